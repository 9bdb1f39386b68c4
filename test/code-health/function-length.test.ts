import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The rule: every function of the app's source fits in about 60 lines, unless the README.md of its own folder
// says why not, in a `## Long functions` section with a list item per function: its name in backticks, then why.
//
//   ## Long functions
//   - `tenantSeedStatements`: the demo's SQL, one statement per line; data, not logic.
//
// A function is a declaration, a method, an accessor, a constructor, an arrow function or a function expression;
// its lines run from its first token (comments above it not counted) to its last, as Biome formats them.

const root = fileURLToPath(new URL('../..', import.meta.url));
const MAX_LINES = 60;
const SOURCE_FOLDERS = ['electron', 'shared', 'renderer'];

interface LongFunction {
  /** The file, relative to the repository, with forward slashes. */
  file: string;
  name: string;
  line: number;
  lines: number;
}

type Exceptions = ReadonlyMap<string, string>;

function sourceFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--', ...SOURCE_FOLDERS], { cwd: root, encoding: 'utf8' });
  return listed
    .split('\0')
    .filter((file) => /\.(ts|tsx|mts|cts)$/.test(file) && !file.endsWith('.d.ts') && !/\.(test|spec)\.tsx?$/.test(file))
    .filter((file) => existsSync(path.join(root, file)));
}

function isFunction(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node) ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node)
  );
}

/** The name a reader would look for: the function's own, or that of the variable, property or call it is given to. */
function functionName(node: ts.FunctionLikeDeclaration, sourceFile: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (node.name) return node.name.getText(sourceFile);
  let child: ts.Node = node;
  let parent: ts.Node = node.parent;
  // Through wrappers: (…), `as`, `satisfies`, and calls it is an argument of (memo(…), useCallback(…), items.map(…)).
  while (
    ts.isParenthesizedExpression(parent) ||
    ts.isAsExpression(parent) ||
    ts.isSatisfiesExpression(parent) ||
    (ts.isCallExpression(parent) && parent.arguments.includes(child as ts.Expression))
  ) {
    child = parent;
    parent = parent.parent;
  }
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name) {
    return parent.name.getText(sourceFile);
  }
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    return parent.left.getText(sourceFile);
  }
  if (ts.isExportAssignment(parent)) return 'default';
  return '(anonymous)';
}

function longFunctionsOf(file: string): LongFunction[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const kind = file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (isFunction(node) && node.body) {
      const first = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line;
      const last = sourceFile.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > MAX_LINES) found.push({ file, name: functionName(node, sourceFile), line: first + 1, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/** The `## Long functions` list of a folder's README.md: function name → why (an item may run on over indented lines). */
function exceptionsOf(folder: string): Exceptions {
  const readme = path.join(root, folder, 'README.md');
  const exceptions = new Map<string, string>();
  if (!existsSync(readme)) return exceptions;
  let inSection = false;
  let current: string | null = null;
  for (const line of readFileSync(readme, 'utf8').split('\n')) {
    if (/^#{1,6}\s/.test(line)) inSection = /^##\s+Long functions\s*$/i.test(line);
    const item = inSection ? /^\s*[-*]\s+`([^`]+)`(.*)$/.exec(line) : null;
    if (item?.[1]) exceptions.set((current = item[1]), item[2] ?? '');
    else if (inSection && current !== null && /^\s+\S/.test(line)) exceptions.set(current, `${exceptions.get(current)} ${line.trim()}`);
    else current = null;
  }
  return exceptions;
}

/** Whether an exception says why in words of its own, not only in names (`file.ts`) and punctuation. */
function saysWhy(why: string): boolean {
  return /[A-Za-z]{3,}/.test(why.replace(/`[^`]*`/g, ''));
}

function folderOf(fn: LongFunction): string {
  return path.posix.dirname(fn.file);
}

function describeFunction(fn: LongFunction): string {
  return `${fn.file}:${fn.line} ${fn.name} (${fn.lines} lines)`;
}

/** The long functions that no exception of their folder names. */
function unexplained(longFunctions: LongFunction[], exceptions: (folder: string) => Exceptions): LongFunction[] {
  return longFunctions.filter((fn) => !exceptions(folderOf(fn)).has(fn.name));
}

const files = sourceFiles();
const longFunctions = files.flatMap(longFunctionsOf);
const readmeExceptions = new Map<string, Exceptions>();
const exceptionsOfFolder = (folder: string): Exceptions => {
  let exceptions = readmeExceptions.get(folder);
  if (!exceptions) readmeExceptions.set(folder, (exceptions = exceptionsOf(folder)));
  return exceptions;
};
/** The source folders whose README.md excepts some function. */
const exceptionFolders = (): string[] => [...new Set(files.map((file) => path.posix.dirname(file)))].filter((folder) => exceptionsOfFolder(folder).size > 0);

describe(`functions of ${SOURCE_FOLDERS.join('/, ')}/`, () => {
  it(`fit in ${MAX_LINES} lines, or the README.md of their folder says why not (## Long functions)`, () => {
    expect(unexplained(longFunctions, exceptionsOfFolder).map(describeFunction)).toEqual([]);
  });

  it('are excepted only while they are long, and each exception says why', () => {
    const problems: string[] = [];
    for (const folder of exceptionFolders()) {
      for (const [name, why] of exceptionsOfFolder(folder)) {
        if (!longFunctions.some((fn) => folderOf(fn) === folder && fn.name === name))
          problems.push(`${folder}/README.md excepts \`${name}\`, which is no function over ${MAX_LINES} lines of that folder`);
        if (!saysWhy(why)) problems.push(`${folder}/README.md excepts \`${name}\` without saying why`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the check fails for an excepted function once its exception line is removed', () => {
    const excepted = longFunctions.filter((fn) => exceptionsOfFolder(folderOf(fn)).has(fn.name));
    expect(excepted.length).toBeGreaterThan(0);
    for (const fn of excepted) {
      const withoutIt = (folder: string): Exceptions => {
        const exceptions = new Map(exceptionsOfFolder(folder));
        if (folder === folderOf(fn)) exceptions.delete(fn.name);
        return exceptions;
      };
      expect(unexplained(longFunctions, withoutIt).map(describeFunction)).toContain(describeFunction(fn));
    }
  });
});
