export declare const PNG_SIZES: number[];
export declare function drawIcon(size: number): Buffer;
export declare function encodePng(size: number, rgba: Buffer): Buffer;
export declare function iconFiles(): Map<string, Buffer>;
