/**
 * Where this copy of zmtp runs. The browser build (scripts/build-browser.mjs) defines
 * __ZMTP_BROWSER__ as true; everywhere else it is undefined. In a browser a page can only connect,
 * over ws:// or wss:// through the browser's own WebSocket, and use inproc.
 */
declare const __ZMTP_BROWSER__: boolean | undefined

export const BROWSER: boolean = typeof __ZMTP_BROWSER__ !== "undefined" && __ZMTP_BROWSER__ === true
