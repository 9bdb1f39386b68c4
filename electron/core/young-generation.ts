import v8 from 'node:v8';

/*
 * Imported first by the processes that do the console's work (the CLI, the desktop app's main
 * process), before the console's own code allocates: V8's young generation stops growing where it is
 * (a few MB, what loading the libraries grew it to) instead of growing to 16 MB semi-spaces. That work is streaming: rows and decompressed pieces that die
 * within a piece or two, or live for the whole command. V8 frees the memory behind a dead Buffer at
 * the collection that finds it dead, so a young generation that fills sixteen times more slowly holds
 * that much more dead piece memory between collections, and its own 32 MB besides. Measured on a
 * 1.2M-row restore: peak RSS 185-200 MB with it grown, 150-166 MB kept small, in the same CPU time
 * (a scavenge is cheap when little survives it). Where the flag is unknown V8 ignores it.
 */
v8.setFlagsFromString('--semi-space-growth-factor=1');
