export type CliOptions = ReturnType<typeof parseCli>['options'];
export declare function parseCli(argv: readonly string[]): {
    command: string | undefined;
    positionals: string[];
    options: {
        profile?: string | undefined;
        'rails-config'?: string | undefined;
        env?: string | undefined;
        json?: boolean | undefined;
        search?: string | undefined;
        shard?: string | undefined;
        limit?: string | undefined;
        offset?: string | undefined;
        sort?: string | undefined;
        desc?: boolean | undefined;
        port?: string | undefined;
        dir?: string | undefined;
        websites?: string | undefined;
        scale?: string | undefined;
        fresh?: boolean | undefined;
        help?: boolean | undefined;
    };
};
/** A whole, non-negative number option, or a clear usage error. */
export declare function intOption(value: string | undefined, name: string, bounds?: {
    min?: number;
    max?: number;
}): number | undefined;
export declare function numberOption(value: string | undefined, name: string): number | undefined;
export declare const USAGE = "Shard Console: see, move and verify PropertyWebBuilder tenants across PostgreSQL shards.\n\nUsage: shard-console <command> [options]\n\nCommands\n  start                         open the console (desktop app, or browser mode without Electron);\n                                without a profile it starts the embedded demo cluster\n  demo [--dir D] [--websites N] [--scale X] [--fresh]\n                                start a three-server demo cluster, seed it, print its profile path\n  shards                        every database: role, reachable, version, size, websites\n  tenants [--search S] [--shard NAME] [--limit N] [--offset N] [--sort id|subdomain|customDomain|shard] [--desc]\n                                websites with their shard\n  tenant ID                     rows and bytes per tenant table of one website\n  serve [--port N]              browser mode: the console on a loopback URL with a token\n\nCluster selection (every command but demo)\n  --profile FILE                a cluster profile (default: $SHARD_CONSOLE_PROFILE)\n  --rails-config FILE --env NAME\n                                read the databases from a Rails config/database.yml instead\n\n  --json                        machine-readable output (field names are a stable contract)\n";
