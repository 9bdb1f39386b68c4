/** Plain-text tables for the terminal: columns padded to their widest cell, numbers right-aligned. */
export declare function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], rightAligned?: readonly number[]): string;
export interface CliIo {
    out(text: string): void;
    err(text: string): void;
}
export declare const processIo: CliIo;
