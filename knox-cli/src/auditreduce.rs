//! `knox auditreduce`: select records and write them out raw, byte for byte, so that the output
//! pipes into `praudit` or `knox praudit`.

use std::io::{self, Write};

use bsm_format::{RecordKind, RecordReader};

use crate::filter::Filter;
use crate::input::Source;
use crate::report::{Problem, Problems};

/// Copies the selected records of every source to `out`. File tokens between records are
/// dropped, as auditreduce does. Decode problems are reported to `err` and counted.
pub fn run(
    sources: &[Source],
    filter: &Filter,
    out: &mut dyn Write,
    err: &mut dyn Write,
    problems: &mut Problems,
) -> io::Result<u64> {
    let mut selected = 0u64;
    for src in sources {
        let name = src.name();
        let reader = match src.open() {
            Ok(r) => r,
            Err(e) => {
                writeln!(err, "knox auditreduce: {name}: {e}")?;
                problems.unreadable.push(name);
                continue;
            }
        };
        let mut rr = RecordReader::new(reader);
        while let Some(r) = rr.next_record() {
            match r {
                Ok(rec) => {
                    if rec.kind() != RecordKind::File && filter.matches(&rec) {
                        out.write_all(rec.bytes())?;
                        selected += 1;
                    }
                }
                Err(e) => {
                    problems.decode_errors += 1;
                    writeln!(err, "knox auditreduce: {}", Problem::new(&name, &e))?;
                }
            }
        }
    }
    out.flush()?;
    Ok(selected)
}
