import { html, trustedHtml, type Html } from './html.js';

/** What a point of a chart is, as attributes on its SVG element (data-run, data-mark): tests and readers find it. */
export type PointTags = ReadonlyMap<string, Record<string, string>>;

export const pointKey = (series: number, index: number) => `${series}:${index}`;

export interface ChartSpec {
  /** An ECharts option; animation is turned off here (a server renders one frame). */
  option: Record<string, unknown>;
  width: number;
  height: number;
  /** The chart's accessible name (<title>) and its description in words (<desc>). */
  title: string;
  description: string;
  tags?: PointTags;
  className?: string;
}

type ECharts = typeof import('echarts');
let loaded: Promise<ECharts> | undefined;
/** Loaded with the first chart: commands that draw none do not pay for it. */
const echarts = () => (loaded ??= import('echarts'));

/**
 * An SVG chart drawn on the server by Apache ECharts (its SSR renderer needs no DOM), made
 * accessible: role="img" with a <title> and <desc>; each tagged point gets its data attributes.
 */
export async function svgChart(spec: ChartSpec): Promise<Html> {
  // Drawing a chart costs tens of milliseconds; its data changes only when a run finishes.
  const key = JSON.stringify([spec.title, spec.description, spec.width, spec.height, spec.className, spec.option, [...(spec.tags ?? [])]]);
  const cached = drawn.get(key);
  if (cached !== undefined) {
    drawn.delete(key);
    drawn.set(key, cached);
    return cached;
  }
  const chart = await draw(spec);
  drawn.set(key, chart);
  if (drawn.size > MAX_CACHED_CHARTS) drawn.delete(drawn.keys().next().value!);
  return chart;
}

/** The charts drawn most recently, by everything they show (functions in an option are code, the same every time). */
const drawn = new Map<string, Html>();
const MAX_CACHED_CHARTS = 500;

async function draw(spec: ChartSpec): Promise<Html> {
  const { init } = await echarts();
  const chart = init(null, null, { renderer: 'svg', ssr: true, width: spec.width, height: spec.height });
  let svg: string;
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...spec.option });
    svg = chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
  return trustedHtml(accessible(lean(tagPoints(svg, spec.tags ?? new Map())), spec));
}

/** The first element drawn for each data point (its symbol, not its label) carries the point's tags. */
function tagPoints(svg: string, tags: PointTags): string {
  const seen = new Set<string>();
  return svg.replace(/ecmeta_series_index="(\d+)" ecmeta_data_index="(\d+)"( ecmeta_ssr_type="chart")?/g, (whole, series: string, index: string, chart?: string) => {
    const key = pointKey(Number(series), Number(index));
    const attributes = tags.get(key);
    if (!attributes || !chart || seen.has(key)) return whole;
    seen.add(key);
    return `${whole} ${Object.entries(attributes).map(([name, value]) => html`${name}="${value}"`.text).join(' ')}`;
  });
}

/**
 * Without what only ECharts' browser runtime reads (its hover styles, pointer events, element
 * metadata): a page of two dozen charts is a third lighter.
 */
function lean(svg: string): string {
  return svg
    .replace(/ ecmeta_\w+="[^"]*"/g, '')
    .replace(/ pointer-events="visible"/g, '')
    .replace(/ class="zr\d+-cls-\d+"/g, '')
    .replace(/<style\s*>[\s\S]*?<\/style>/g, '');
}

function accessible(svg: string, spec: ChartSpec): string {
  const label = html`<title>${spec.title}</title><desc>${spec.description}</desc>`.text;
  return svg.replace(/^<svg([^>]*)>/, (_whole, own: string) => `<svg${own} role="img" class="${html`${spec.className ?? 'chart'}`.text}">${label}`);
}
