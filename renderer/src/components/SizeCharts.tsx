import { Bar, BarChart, CartesianGrid, LabelList, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatBytes } from '../../../shared/format.ts';
import type { StackedSizes, TrendPoint } from '../view/shard-sizes.ts';
import { OTHER_TABLES, UNATTRIBUTED, timeTick, trendDomain } from '../view/shard-sizes.ts';

/*
 * The size pictures of the shard pages, drawn with recharts like charts.tsx. Fixed palettes (the CSP
 * allows no inline <style>; recharts sets SVG attributes and CSSOM styles only). Every number drawn
 * is in human units.
 */

const TABLE_COLORS = ['#2f5dab', '#4f8fd6', '#2a9d8f', '#8ab17d', '#e9c46a', '#f4a261', '#e76f51', '#9c6ade', '#c06c84', '#6c8ead'];
const REST_COLORS: Record<string, string> = { [OTHER_TABLES]: '#b8c2d3', [UNATTRIBUTED]: '#e3e7ee' };
const LINE_COLORS = ['#2f5dab', '#e76f51', '#2a9d8f', '#9c6ade', '#e9c46a', '#6c8ead'];
const AXIS = '#7a8599';

const bytesTick = (v: number) => formatBytes(v);

/** A horizontal bar per database, stacked by table, with the database size at its end. */
export function TableStackChart({ data, title }: { data: StackedSizes; title: string }) {
  const height = 90 + data.rows.length * 56;
  return (
    <figure className="chart" aria-label={title} data-testid="table-stack-chart">
      <figcaption className="chart__title">{title}</figcaption>
      {data.rows.length === 0 ? (
        <p className="muted">No database answered.</p>
      ) : (
        <div style={{ width: '100%', height }}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={data.rows} layout="vertical" margin={{ top: 4, right: 84, bottom: 4, left: 4 }} barCategoryGap={12}>
              <CartesianGrid horizontal={false} stroke="#e3e7ee" />
              <XAxis type="number" tickFormatter={bytesTick} stroke={AXIS} fontSize={12} />
              <YAxis type="category" dataKey="database" width={90} stroke={AXIS} fontSize={12} interval={0} />
              <Tooltip formatter={(v, name) => [formatBytes(Number(v)), String(name)]} cursor={{ fill: '#eef2f8' }} />
              {/* Legend text in the body color: the light "free space" swatch would make its own label unreadable. */}
              <Legend wrapperStyle={{ fontSize: 12 }} formatter={(value) => <span style={{ color: '#333c4e' }}>{String(value)}</span>} />
              {data.keys.map((key, i) => (
                <Bar key={key} dataKey={key} stackId="size" isAnimationActive={false} fill={REST_COLORS[key] ?? TABLE_COLORS[i % TABLE_COLORS.length]}>
                  {i === data.keys.length - 1 && (
                    <LabelList dataKey="total" position="right" fontSize={12} fill="#333c4e" formatter={(v: unknown) => formatBytes(Number(v))} />
                  )}
                </Bar>
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}

/** Database sizes over time, one line per database, from the stored snapshots plus now. */
export function SizeTrendChart({ points, names, title }: { points: TrendPoint[]; names: string[]; title: string }) {
  return (
    <figure className="chart" aria-label={title} data-testid="size-trend-chart">
      <figcaption className="chart__title">{title}</figcaption>
      {points.length < 2 ? (
        <p className="muted">One look so far: the trend starts with the next snapshot (at most one every 15 minutes).</p>
      ) : (
        <div style={{ width: '100%', height: 260 }}>
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={points} margin={{ top: 8, right: 24, bottom: 4, left: 4 }}>
              <CartesianGrid stroke="#e3e7ee" />
              <XAxis
                dataKey="t"
                type="number"
                scale="time"
                domain={['dataMin', 'dataMax']}
                tickFormatter={(t: number) => timeTick(t)}
                stroke={AXIS}
                fontSize={12}
              />
              <YAxis tickFormatter={bytesTick} width={80} stroke={AXIS} fontSize={12} domain={trendDomain(points, names)} allowDataOverflow={false} />
              <Tooltip labelFormatter={(t) => new Date(Number(t)).toLocaleString()} formatter={(v, name) => [formatBytes(Number(v)), String(name)]} />
              {names.length > 1 && <Legend wrapperStyle={{ fontSize: 12 }} />}
              {names.map((name, i) => (
                <Line
                  key={name}
                  type="monotone"
                  dataKey={name}
                  stroke={LINE_COLORS[i % LINE_COLORS.length]}
                  strokeWidth={2}
                  dot={{ r: 3 }}
                  connectNulls
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}
