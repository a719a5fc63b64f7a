/**
 * string-width as the CLI's bundle has it (scripts/build.mjs): the width of text of printable ASCII alone is its
 * length, which string-width itself answers only after building an Intl.Segmenter and its emoji tables when it
 * is loaded. yargs, cliui and wrap-ansi load it at every start that goes through yargs, to lay out usage text
 * that is ASCII; other text is measured by the string-width they import, loaded on first use.
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** `load` gives the string-width the importer asked for. */
export function asciiFirstWidth(load) {
  let width;
  return (text, options) =>
    typeof text === 'string' && PRINTABLE_ASCII.test(text) ? text.length : (width ??= load())(text, options);
}
