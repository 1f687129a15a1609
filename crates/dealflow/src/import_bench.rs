//! `dealflow bench`'s import measurements: a generated CSV file of `rows` rows mixing the four
//! kinds of record (account rows, contact rows, deal rows and activity rows, as an export of
//! another CRM holds them), one row in a hundred broken in one of five ways. The file's dry run
//! and then its import are timed through the services and their background worker, and the
//! rejected rows are checked to be exactly the broken ones.

use std::time::Instant;

use dealflow_server::Services;
use dealflow_server::access::Actor;
use dealflow_server::services::{ImportChanges, ImportCounts, NewImport, Pass};
use serde_json::{Value, json};

const HEADER: &str = "Account,Tax number,Industry,Contact,Email,Phone,Deal,Amount,Stage,Owner,Close date,Subject,Type,Due,Done";
/// Where in each hundred rows the broken row is: every kind of row gets its turn.
const BROKEN_AT: [usize; 10] = [10, 21, 32, 43, 54, 65, 76, 87, 98, 9];

/// Whether row `n` (from 0) is broken: one in a hundred.
pub fn broken(n: usize) -> bool {
    n % 100 == BROKEN_AT[(n / 100) % BROKEN_AT.len()]
}

/// The generated file: per ten rows one account row, two contact rows, three deal rows and four
/// activity rows about the deals before them; about one account per 40 rows, a deal per 3.
pub fn generated(rows: usize, owner_email: &str) -> Vec<u8> {
    let mut file = String::with_capacity(rows * 120);
    file.push_str(HEADER);
    file.push('\n');
    for n in 0..rows {
        let account = n / 40;
        let deal = n / 10 * 3 + n % 3;
        // A broken row breaks one of its own fields, the field chosen by the hundred it is in.
        let bad = broken(n).then_some(n / 100);
        let wrong = |which: usize, of: usize| bad.is_some_and(|h| h % of == which);
        let pick = |broken: bool, good: String, wrong: &str| if broken { wrong.to_owned() } else { good };
        let line = match n % 10 {
            0 => {
                let tax = pick(wrong(0, 1), format!("{:010}", 7_700_000_000u64 + account as u64), &"77".repeat(20));
                format!("Company {account},{tax},Manufacturing,,,,,,,,,,,,")
            }
            1 | 2 => {
                let email = pick(wrong(0, 1), format!("person{n}@company{account}.example"), "no-address");
                format!("Company {account},,,Person {n},{email},+7 495 {:07},,,,,,,,,", n % 10_000_000)
            }
            3..=5 => {
                let amount = pick(wrong(0, 4), format!("{}", 10_000 + n * 7), "a lot");
                let stage = pick(wrong(1, 4), ["Qualification", "Presentation", "Proposal"][n % 3].to_owned(), "Someday");
                let close = pick(wrong(2, 4), format!("2027-{:02}-{:02}", 1 + n % 12, 1 + n % 28), "2027-13-40");
                let title = pick(wrong(3, 4), format!("Deal {deal}"), "");
                let contact = n - n % 10 + 1;
                format!("Company {account},,,,person{contact}@company{account}.example,,{title},{amount},{stage},{owner_email},{close},,,,")
            }
            _ => {
                let due = pick(wrong(0, 2), format!("2027-01-{:02} 10:00", 1 + n % 28), "soon");
                let subject = pick(wrong(1, 2), format!("Call {n}"), "");
                let done = if n % 4 == 0 { "yes" } else { "no" };
                format!("Company {account},,,,,,Deal {deal},,,,,{subject},Call,{due},{done}")
            }
        };
        file.push_str(&line);
        file.push('\n');
    }
    file.into_bytes()
}

fn failed(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// The dry run and the import of a generated file of `rows` rows on `backend`: two JSON lines.
pub async fn measure(services: &Services, importer: &Actor, backend: &str, rows: usize) -> anyhow::Result<Vec<Value>> {
    let bytes = generated(rows, &importer.user().email);
    let megabytes = bytes.len() as f64 / 1_048_576.0;
    let broken_rows = (0..rows).filter(|n| broken(*n)).count() as i64;
    let upload = NewImport { file_name: "generated.csv".into(), bytes, pass: Some(Pass::Check), ..NewImport::default() };
    let started = Instant::now();
    let record = services.create_import(importer, upload).await.map_err(failed)?;
    services.run_waiting_imports("bench").await.map_err(failed)?;
    let checked = services.import_record(importer, &record.id).await.map_err(failed)?;
    let dry_run = started.elapsed().as_secs_f64();
    let started = Instant::now();
    services.start_import(importer, &record.id, ImportChanges::default(), Some(Pass::Import)).await.map_err(failed)?;
    services.run_waiting_imports("bench").await.map_err(failed)?;
    let done = services.import_record(importer, &record.id).await.map_err(failed)?;
    let import = started.elapsed().as_secs_f64();
    anyhow::ensure!(done.status == "done", "the import ended {}: {:?}", done.status, done.error);
    anyhow::ensure!(done.rejected_rows == broken_rows, "{} rows rejected, {broken_rows} broken", done.rejected_rows);
    let line = |name: &str, seconds: f64, record: &dealflow_server::services::ImportRecord| {
        json!({
            "bench": format!("{name}-{backend}"),
            "rows": rows,
            "file_mb": (megabytes * 10.0).round() / 10.0,
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "rows_per_s": (rows as f64 / seconds).round(),
            "rejected_rows": record.rejected_rows,
            "broken_rows": broken_rows,
            "counts": serde_json::to_value(ImportCounts::of(record)).unwrap_or(Value::Null),
        })
    };
    Ok(vec![line("import-dry-run", dry_run, &checked), line("import", import, &done)])
}
