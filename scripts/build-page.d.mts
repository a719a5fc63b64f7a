/** Types of build-page.mjs, for the tests and the bench that build the page or read its budget. */
export declare const PAGE_BUDGET: number;
export declare function buildPage(): Promise<{ html: string; inputs: string[][] }>;
