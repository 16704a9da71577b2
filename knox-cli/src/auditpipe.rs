//! `knox auditpipe`: a local-mode audit pipe with the given classes, streamed raw to stdout or
//! decoded in-process. Written against `bsm_io::pipe::Device`, so it is the same code on every
//! system; only opening the device needs macOS or FreeBSD.

use std::io::{self, Write};

use bsm_format::RecordReader;
use bsm_io::pipe::{AuditPipe, Device, QueueLimit};
use bsm_io::structs::AuMask;

/// How records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Raw BSM, for `| knox praudit` or a file.
    Raw,
    /// praudit's default text.
    Praudit,
    /// JSON Lines as `knox json`.
    Json,
    /// Command lines as `knox commands`.
    Commands,
}

/// Configures the pipe and streams records until a signal, a closed stdout or the end of the
/// device; returns how many records were written. The drop count goes to `err` at the end.
pub fn stream<D: Device>(
    pipe: &mut AuditPipe<D>,
    flags: AuMask,
    naflags: AuMask,
    limit: Option<QueueLimit>,
    mut write: impl FnMut(&bsm_format::Record<'_>, &mut Vec<u8>),
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u64> {
    pipe.configure_local(flags, naflags, limit)?;
    let mut n = 0u64;
    let mut buf = Vec::new();
    {
        let mut rr = RecordReader::new(&mut *pipe);
        while let Some(r) = rr.next_record() {
            match r {
                Ok(rec) => {
                    buf.clear();
                    write(&rec, &mut buf);
                    match out.write_all(&buf).and_then(|_| out.flush()) {
                        Ok(()) => n += 1,
                        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => break,
                        Err(e) => return Err(e),
                    }
                }
                Err(e) => writeln!(err, "knox auditpipe: {e}")?,
            }
        }
    }
    let c = pipe.counters()?;
    writeln!(
        err,
        "knox auditpipe: {n} records written, {} dropped by the kernel (queue full: raise --qlimit)",
        c.drops
    )?;
    Ok(n)
}
