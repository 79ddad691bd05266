// The part of autocannon 8's API the benchmark uses; the package ships no types.
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      method?: 'GET' | 'POST';
      headers?: Record<string, string>;
      body?: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      /** Requests to send, instead of a duration: the run ends with the last response. */
      amount?: number;
      /** Seconds before a request counts as timed out (and as an error). */
      timeout?: number;
      /** A response whose body this rejects counts as a mismatch. */
      verifyBody?: (body: string) => boolean;
      title?: string;
    }

    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
    }

    interface Result {
      title?: string;
      /** Seconds. */
      duration: number;
      /** Milliseconds. */
      latency: Histogram;
      /** Per-second samples; `total` is the number of responses. */
      requests: Histogram & { sent: number };
      throughput: Histogram;
      errors: number;
      timeouts: number;
      mismatches: number;
      non2xx: number;
      '2xx': number;
    }

    /** An event emitter that is also a thenable (then/catch only). */
    interface Instance extends PromiseLike<Result> {
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;
  export = autocannon;
}
