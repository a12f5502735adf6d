// Vite turns CSS imports into <link>s; tsc only needs to know they are modules.
declare module '*.css';
