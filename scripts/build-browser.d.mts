/** Builds <outDir>/browser/zmtp.js (scripts/build-browser.mjs). */
export function buildBrowser(outDir?: string): Promise<void>
