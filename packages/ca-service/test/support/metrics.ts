import { expect } from "vitest";
import { type Answer, call } from "./service.js";

/** One sample of a scrape: its metric name, labels and value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A scrape, parsed: every sample, and each metric family's declared type. */
export interface Scrape {
  samples: Sample[];
  types: Map<string, string>;
  /** The value of the one sample of `name` whose labels include `labels`; 0 when there is none. */
  value(name: string, labels?: Record<string, string>): number;
  /** The sum of every sample of `name` whose labels include `labels` (each worker's, say). */
  sum(name: string, labels?: Record<string, string>): number;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
// Prometheus reads NaN in any case (Go's ParseFloat), and prom-client writes "Nan" for a gauge it has
// not sampled yet (nodejs_eventloop_lag_mean_seconds right after start).
const VALUE = "[-+]?(?:[0-9]+(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|Inf)|[Nn][Aa][Nn]";
/** The text format 0.0.4, line by line: a sample, its family's HELP or TYPE, or nothing. */
const SAMPLE_LINE = new RegExp(
  `^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (${VALUE})(?: -?[0-9]+)?$`,
);
const HELP_LINE = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const ONE_LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/g;

/**
 * Parses the Prometheus text exposition format strictly: a line that is not a sample, a HELP or a
 * TYPE line (or empty) fails the test, and so does a sample of an undeclared family.
 */
export function parseExposition(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "" || HELP_LINE.test(line)) continue;
    const typed = TYPE_LINE.exec(line);
    if (typed) {
      types.set(typed[1] as string, typed[2] as string);
      continue;
    }
    const sample = SAMPLE_LINE.exec(line);
    expect(sample, `a line of the exposition format: ${JSON.stringify(line)}`).not.toBeNull();
    const [, name, labelText, value] = sample as RegExpExecArray;
    const labels = Object.fromEntries(
      [...(labelText ?? "").matchAll(ONE_LABEL)].map(([, label, text]) => [label, text as string]),
    );
    samples.push({
      name: name as string,
      labels,
      value: /^nan$/i.test(value ?? "") ? Number.NaN : Number(value?.replace("Inf", "Infinity")),
    });
  }
  for (const { name } of samples) {
    const family = [name, name.replace(/_(bucket|sum|count)$/, "")].find((each) => types.has(each));
    expect(family, `the family of ${name} is declared with # TYPE`).toBeDefined();
  }
  const matching = (name: string, labels: Record<string, string>) =>
    samples.filter(
      (sample) =>
        sample.name === name &&
        Object.entries(labels).every(([label, text]) => sample.labels[label] === text),
    );
  const value = (name: string, labels: Record<string, string> = {}) => {
    const found = matching(name, labels);
    expect(found.length, `at most one sample of ${name} ${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
    return found[0]?.value ?? 0;
  };
  const sum = (name: string, labels: Record<string, string> = {}) =>
    matching(name, labels).reduce((total, sample) => total + sample.value, 0);
  return { samples, types, value, sum };
}

/** `GET /metrics` with `token`. */
export function fetchMetrics(url: string, token?: string): Promise<Answer<unknown>> {
  return call<unknown>(`${url}/metrics`, token === undefined ? {} : { token });
}

/** Scrapes `GET /metrics` as a Prometheus server would, and parses it strictly. */
export async function scrape(url: string, token: string): Promise<Scrape> {
  const answer = await fetchMetrics(url, token);
  expect(answer.status).toBe(200);
  expect(answer.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parseExposition(answer.text);
}
