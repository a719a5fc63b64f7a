/** Types of ascii-width.mjs, for its test. */
type Width = (text: string, options?: object) => number;
export declare function asciiFirstWidth(load: () => Width): Width;
