/** Types of lazy-assert.mjs, for its test. */
export declare function strictEqual(actual: unknown, expected: unknown, message?: string | Error): void;
export declare function notStrictEqual(actual: unknown, expected: unknown, message?: string | Error): void;
