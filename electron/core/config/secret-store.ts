/*
 * Where `passwordSecret` names are looked up. The desktop shell backs SecretStore with the OS keychain;
 * the loader only ever needs to read, so it takes the narrower SecretReader.
 */

export interface SecretReader {
  get(name: string): Promise<string | undefined>;
}

export interface SecretStore extends SecretReader {
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/** The variable `envSecretReader` reads for a secret: `pwb-prod` -> `SHARD_CONSOLE_SECRET_PWB_PROD`. */
export function secretEnvName(name: string): string {
  return `SHARD_CONSOLE_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** Secrets from the environment: for CI and headless servers, where there is no keychain. */
export function envSecretReader(env: Readonly<Record<string, string | undefined>>): SecretReader {
  return Object.freeze({
    get: async (name: string) => env[secretEnvName(name)],
  });
}

/** A store that forgets everything when the process ends: for tests and for `demo` profiles. */
export function memorySecretStore(initial: Readonly<Record<string, string>> = {}): SecretStore {
  const secrets = new Map(Object.entries(initial));
  return Object.freeze({
    get: async (name: string) => secrets.get(name),
    set: async (name: string, value: string) => {
      secrets.set(name, value);
    },
    delete: async (name: string) => {
      secrets.delete(name);
    },
  });
}
