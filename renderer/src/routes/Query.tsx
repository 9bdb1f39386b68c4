import { useCallback, useMemo, useState } from 'react';
import type { QueryTargetParam } from '../../../shared/contract.ts';
import { saveDialog } from '../api/client.ts';
import { useClusterOverview, useSessionInfo } from '../api/hooks.ts';
import { useCatalogTables, useExplain, useFileExport, useQueryLibrary, useQueryRun } from '../api/query-hooks.ts';
import { ErrorPanel } from '../components/ErrorPanel.tsx';
import { AnalyzeConfirmDialog, ExplainPanel } from '../components/query/ExplainPanel.tsx';
import { FileExportDialog } from '../components/query/ExportControls.tsx';
import { QueryLibraryList, SaveQueryDialog } from '../components/query/QueryLibraryList.tsx';
import { QueryResultsCard } from '../components/query/QueryResultsCard.tsx';
import { QueryToolbar } from '../components/query/QueryToolbar.tsx';
import { SqlEditor } from '../components/query/SqlEditor.tsx';
import { TargetPicker } from '../components/query/TargetPicker.tsx';
import { describeError } from '../view/error-text.ts';
import { completionTables } from '../view/query-completion.ts';
import { queryRoleNote } from '../view/query-status.ts';
import { suggestedExportPath } from '../view/query-export.ts';
import { DEFAULT_ROW_CAP, parseRowCap } from '../view/query-results.ts';
import { DEFAULT_TARGET_FORM, expectedDatabases, formFromTarget, targetFromForm } from '../view/query-target.ts';
import type { KnownDatabase, TargetForm } from '../view/query-target.ts';

const DRAFT_KEY = 'shard-console.query-draft';

/** The statement being written, kept for the tab's life so visiting another page does not lose it. */
function useDraft(): [string, (sql: string) => void] {
  const [sql, setSql] = useState(() => window.sessionStorage.getItem(DRAFT_KEY) ?? '');
  const update = useCallback((next: string) => {
    setSql(next);
    window.sessionStorage.setItem(DRAFT_KEY, next);
  }, []);
  return [sql, update];
}

/** What the page is about to run: the statement, its target and row cap, or why Run is not possible yet. */
function useStatementForm() {
  const [sql, setSql] = useDraft();
  const [form, setForm] = useState<TargetForm>(DEFAULT_TARGET_FORM);
  const [limit, setLimit] = useState(String(DEFAULT_ROW_CAP));
  const choice = targetFromForm(form);
  const cap = parseRowCap(limit);
  const problem =
    sql.trim() === '' ? 'Write a statement to run.' : (choice.problem ?? (cap === null ? 'Rows per database: a whole number from 1 to 100,000.' : null));
  const reopen = (text: string, target: QueryTargetParam | undefined) => {
    setSql(text);
    setForm((f) => formFromTarget(target, f));
  };
  return { sql, setSql, form, setForm, limit, setLimit, target: choice.target, cap, problem, reopen };
}

type Dialog = 'analyze' | 'save' | 'export' | null;

/** Read-only SQL on every database at once (or the ones chosen, or one website's), streamed into one grid. */
export function Query() {
  const statement = useStatementForm();
  const { sql, target, cap, problem } = statement;
  const [dialog, setDialog] = useState<Dialog>(null);
  const overview = useClusterOverview();
  const session = useSessionInfo();
  const catalog = useCatalogTables();
  const queries = useQueryLibrary();
  const { library, remove, clearHistory, reload } = queries;
  const runner = useQueryRun(reload);
  const explain = useExplain();
  const known = useMemo<KnownDatabase[]>(() => (overview.data?.databases ?? []).map((d) => ({ name: d.name, role: d.role })), [overview.data]);
  const tables = useMemo(() => (catalog.data === undefined ? [] : completionTables(catalog.data)), [catalog.data]);

  const run = () => {
    if (problem === null && target !== null && cap !== null && runner.busy === null) runner.run(sql, target, cap, expectedDatabases(target, known));
  };
  const startExplain = (analyze: boolean) => {
    setDialog(null);
    if (target !== null) explain.explain(sql, target, analyze, expectedDatabases(target, known));
  };
  return (
    <div className="page page--query">
      <header className="page__header">
        <h1>Query</h1>
        <p className="muted query-intro">One read-only statement on every database at once, in a READ ONLY transaction; results stream in as each answers.</p>
        {session.data?.profile ? <QueryRoleNote queryRole={session.data.queryRole} /> : null}
      </header>
      <div className="query-layout">
        <div className="query-main">
          <section className="card query-editor" aria-label="Statement">
            <SqlEditor value={sql} onChange={statement.setSql} onRun={run} tables={tables} />
            {catalog.error !== undefined && <p className="muted">No completion: {describeError(catalog.error).message}</p>}
            <TargetPicker form={statement.form} databases={known} onChange={statement.setForm} disabled={runner.busy !== null} />
          </section>
          <QueryToolbar
            running={runner.busy !== null}
            explaining={explain.state?.running ?? false}
            limit={statement.limit}
            onLimit={statement.setLimit}
            onRun={run}
            onCancel={() => (runner.busy !== null ? runner.cancel() : explain.cancel())}
            onExplain={() => startExplain(false)}
            onAnalyze={() => setDialog('analyze')}
            onSave={() => setDialog('save')}
            onExportFile={() => setDialog('export')}
            problem={problem}
          />
          <QueryOutput runner={runner} explain={explain} cap={cap} />
        </div>
        <QueryLibraryList library={library.data} error={library.error} onOpen={statement.reopen} onDelete={remove} onClearHistory={clearHistory} />
      </div>
      <QueryDialogs dialog={dialog} onClose={() => setDialog(null)} onAnalyze={() => startExplain(true)} queries={queries} sql={sql} target={target} />
    </div>
  );
}

/** What the last run and the last EXPLAIN gave: an error, the plan, the rows. */
function QueryOutput({ runner, explain, cap }: { runner: ReturnType<typeof useQueryRun>; explain: ReturnType<typeof useExplain>; cap: number | null }) {
  return (
    <>
      {runner.error !== null && <ErrorPanel error={runner.error} />}
      {explain.state !== null && <ExplainPanel state={explain.state} onCancel={explain.cancel} onClose={explain.close} />}
      {runner.results !== null && (
        <QueryResultsCard
          results={runner.results}
          busy={runner.busy}
          canFetch={runner.runId !== null}
          cap={cap}
          cancelled={runner.cancelled}
          onFetchMore={(dbs) => cap !== null && runner.fetchMore(cap, dbs)}
        />
      )}
    </>
  );
}

interface QueryDialogsProps {
  readonly dialog: Dialog;
  readonly onClose: () => void;
  readonly onAnalyze: () => void;
  readonly queries: ReturnType<typeof useQueryLibrary>;
  readonly sql: string;
  readonly target: QueryTargetParam | null;
}

/** The page's three dialogs, at most one open: EXPLAIN ANALYZE's confirmation, save to the library, export to a file. */
function QueryDialogs({ dialog, onClose, onAnalyze, queries: { library, save }, sql, target }: QueryDialogsProps) {
  return (
    <>
      <AnalyzeConfirmDialog open={dialog === 'analyze'} onConfirm={onAnalyze} onClose={onClose} />
      <SaveQueryDialog
        open={dialog === 'save'}
        taken={library.data?.saved.map((s) => s.name) ?? []}
        onSave={(name) => save(name, sql, target ?? undefined)}
        onClose={onClose}
      />
      <FileExportOfStatement open={dialog === 'export'} sql={sql} target={target} historyFile={library.data?.file ?? null} onClose={onClose} />
    </>
  );
}

/** "Stream every row to a file": the dialog with its own call, so closing it forgets the last export. */
function FileExportOfStatement({
  open,
  sql,
  target,
  historyFile,
  onClose,
}: {
  open: boolean;
  sql: string;
  target: QueryTargetParam | null;
  historyFile: string | null;
  onClose: () => void;
}) {
  const fileExport = useFileExport();
  return (
    <FileExportDialog
      open={open}
      suggestedPath={(format, at) => suggestedExportPath(format, at, historyFile, saveDialog() !== null)}
      state={fileExport.state}
      onStart={(file, format, overwrite) => target !== null && fileExport.start(sql, target, file, format, overwrite)}
      onCancel={fileExport.cancel}
      onClose={() => {
        onClose();
        fileExport.reset();
      }}
    />
  );
}

function QueryRoleNote({ queryRole }: { queryRole: string | null }) {
  const note = queryRoleNote(queryRole);
  return (
    <p className={`query-role query-role--${note.tone}`} data-testid="query-role">
      {note.text}
    </p>
  );
}
