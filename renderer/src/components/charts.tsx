import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatBytes, formatCount } from '../../../shared/format.ts';
import { barChartHeight } from '../view/tenant-detail.ts';

/*
 * Horizontal bar charts drawn with recharts. Colors come from a fixed palette (the CSP allows no
 * inline <style>, and recharts only sets SVG attributes and CSSOM styles, which it permits).
 */

const COLORS = { primary: '#2f5dab', bad: '#c62828', muted: '#7a8599' };

export interface HorizontalBar {
  label: string;
  value: number;
  bad?: boolean;
}

interface HorizontalBarChartProps {
  title: string;
  bars: readonly HorizontalBar[];
  unit: 'bytes' | 'count';
  labelWidth?: number;
}

export function HorizontalBarChart({ title, bars, unit, labelWidth = 120 }: HorizontalBarChartProps) {
  const format = unit === 'bytes' ? formatBytes : formatCount;
  return (
    <figure className="chart" aria-label={title}>
      <figcaption className="chart__title">{title}</figcaption>
      {bars.length === 0 ? (
        <p className="muted">Nothing to draw.</p>
      ) : (
        <div style={{ width: '100%', height: barChartHeight(bars.length) }}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={bars as HorizontalBar[]} layout="vertical" margin={{ top: 4, right: 72, bottom: 4, left: 4 }}>
              <CartesianGrid horizontal={false} stroke="#e3e7ee" />
              <XAxis type="number" tickFormatter={(v: number) => format(v)} stroke={COLORS.muted} fontSize={12} allowDecimals={false} />
              <YAxis type="category" dataKey="label" width={labelWidth} stroke={COLORS.muted} fontSize={12} interval={0} />
              <Tooltip formatter={(v) => [format(Number(v)), unit === 'bytes' ? 'size' : 'websites']} cursor={{ fill: '#eef2f8' }} />
              <Bar
                dataKey="value"
                isAnimationActive={false}
                label={{ position: 'right', fontSize: 12, fill: '#333c4e', formatter: (v: unknown) => format(Number(v)) }}
              >
                {bars.map((bar) => (
                  <Cell key={bar.label} fill={bar.bad ? COLORS.bad : COLORS.primary} />
                ))}
              </Bar>
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}
