/**
 * Phase marks for `stylegan bench --only startup`: with STYLEGAN_STARTUP_TIMES=1 a command
 * prints one stderr line `startup: NAME WALL/CPU ...`, each the time since the process started
 * (performance.now() counts from there) and the CPU seconds used by then (all threads), so
 * the bench can split a whole-process time.
 */
const marks: Array<[string, number, number]> = [];
const on = !!process.env.STYLEGAN_STARTUP_TIMES;

export function mark(name: string): void {
  if (!on) return;
  const cpu = process.cpuUsage();
  marks.push([name, performance.now() / 1000, (cpu.user + cpu.system) / 1e6]);
}

export function printMarks(): void {
  if (on) process.stderr.write(`startup: ${marks.map(([n, t, c]) => `${n} ${t.toFixed(3)}/${c.toFixed(3)}`).join(' ')}\n`);
}
