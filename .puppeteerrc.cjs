// nfwalk renders with the system's Chromium (Debian's chromium, or --chromium): puppeteer must never download one,
// whether or not PUPPETEER_SKIP_DOWNLOAD is set when installing.
module.exports = { skipDownload: true };
