//! Prometheus text metrics: HTTP requests and latencies by route (counted by the HTTP layer's
//! middleware), and process commands by type (counted by the services). Small enough to keep
//! ourselves; rendered at `/metrics` for administrators.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// (method, route template, status).
type RequestKey = (String, String, u16);

#[derive(Default, Clone)]
pub struct Metrics {
    requests: Arc<Mutex<BTreeMap<RequestKey, Series>>>,
    commands: Arc<Mutex<BTreeMap<&'static str, u64>>>,
}

impl Metrics {
    pub fn record_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut requests = self.requests.lock().expect("metrics lock");
        let series = requests.entry((method.to_owned(), route.to_owned(), status)).or_default();
        series.count += 1;
        series.sum += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                series.buckets[i] += 1;
            }
        }
    }

    pub fn record_command(&self, name: &'static str) {
        *self.commands.lock().expect("metrics lock").entry(name).or_default() += 1;
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let requests = self.requests.lock().expect("metrics lock");
        out.push_str("# HELP dealflow_http_requests_total HTTP requests answered, by route and status.\n");
        out.push_str("# TYPE dealflow_http_requests_total counter\n");
        for ((method, route, status), series) in requests.iter() {
            let _ =
                writeln!(out, "dealflow_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}", series.count);
        }
        out.push_str("# HELP dealflow_http_request_duration_seconds Time to answer HTTP requests, by route.\n");
        out.push_str("# TYPE dealflow_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((method, route, _), series) in requests.iter() {
            let total = by_route.entry((method, route)).or_default();
            total.count += series.count;
            total.sum += series.sum;
            for (i, n) in series.buckets.iter().enumerate() {
                total.buckets[i] += n;
            }
        }
        for ((method, route), series) in &by_route {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(out, "dealflow_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}", series.buckets[i]);
            }
            let _ = writeln!(out, "dealflow_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", series.count);
            let _ = writeln!(out, "dealflow_http_request_duration_seconds_sum{{{labels}}} {}", series.sum);
            let _ = writeln!(out, "dealflow_http_request_duration_seconds_count{{{labels}}} {}", series.count);
        }
        out.push_str("# HELP dealflow_commands_total Process commands run, by type.\n");
        out.push_str("# TYPE dealflow_commands_total counter\n");
        for (name, count) in self.commands.lock().expect("metrics lock").iter() {
            let _ = writeln!(out, "dealflow_commands_total{{command=\"{name}\"}} {count}");
        }
        out
    }
}
