/** `stylegan dashboard`: (in progress) */
export const DASHBOARD_HELP = 'Usage: stylegan dashboard --run DIR [--port 8081]';
export async function dashboardCommand(_argv: string[]): Promise<void> {
  throw new Error('dashboard: not implemented yet');
}
