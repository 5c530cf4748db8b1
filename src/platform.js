export const BROWSER = typeof __ZMTP_BROWSER__ !== "undefined" && __ZMTP_BROWSER__ === true;
