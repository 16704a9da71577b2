//! `knox auditpipe`: a local-mode audit pipe with the given classes, streamed raw to stdout or
//! decoded in-process. Written against `bsm_io::pipe::Device`, so it is the same code on every
//! system; only opening the device needs macOS or FreeBSD.

use std::io::{self, Write};

use bsm_format::RecordReader;

use crate::read::report::Problem;
use bsm_io::pipe::{AuditPipe, Device, QueueLimit, QueueLimitSet};
use bsm_io::structs::AuMask;

/// Configures the pipe and streams raw records until a signal, a closed stdout or the end of
/// the device; returns how many records were written and how many framing errors were
/// reported. The drop count goes to `err` at the end.
pub fn stream<D: Device>(
    pipe: &mut AuditPipe<D>,
    flags: AuMask,
    naflags: AuMask,
    limit: Option<QueueLimit>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<(u64, u64)> {
    if let Some(note) = pipe
        .configure_local(flags, naflags, limit)?
        .and_then(queue_limit_note)
    {
        writeln!(err, "knox auditpipe: {note}")?;
    }
    let (mut n, mut errors) = (0u64, 0u64);
    {
        let mut rr = RecordReader::new(&mut *pipe);
        while let Some(r) = rr.next_record() {
            match r {
                Ok(rec) => match out.write_all(rec.bytes()).and_then(|_| out.flush()) {
                    Ok(()) => n += 1,
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => break,
                    Err(e) => return Err(e),
                },
                Err(e) => {
                    errors += 1;
                    writeln!(
                        err,
                        "knox auditpipe: {}",
                        Problem::new("/dev/auditpipe", &e)
                    )?;
                }
            }
        }
    }
    let c = pipe.counters()?;
    writeln!(
        err,
        "knox auditpipe: {n} records written, {} dropped by the kernel (queue full: raise --qlimit)",
        c.drops
    )?;
    Ok((n, errors))
}

/// What to say when the queue limit asked for was outside the device's range.
pub fn queue_limit_note(set: QueueLimitSet) -> Option<String> {
    let asked = set.asked.filter(|_| set.clamped())?;
    Some(format!(
        "queue limit {asked} is outside this device's range {}..={}: using {}",
        set.min, set.max, set.set
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bsm_io::ioctl::auditpipe as req;
    use std::collections::VecDeque;

    /// A pipe that serves a trail in awkward pieces and reports drops as xnu does (32 bits).
    struct Fake {
        data: VecDeque<u8>,
        calls: Vec<u32>,
    }

    impl io::Read for Fake {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.data.len()).min(37);
            for b in buf.iter_mut().take(n) {
                *b = self.data.pop_front().unwrap_or(0);
            }
            Ok(n)
        }
    }

    impl Device for Fake {
        fn ioctl(&mut self, request: u32, arg: &mut [u8]) -> io::Result<()> {
            self.calls.push(request);
            match request {
                req::GET_DROPS => arg[..4].copy_from_slice(&3u32.to_ne_bytes()),
                req::GET_QLIMIT_MIN => arg.copy_from_slice(&1u32.to_ne_bytes()),
                req::GET_QLIMIT_MAX => arg.copy_from_slice(&1024u32.to_ne_bytes()),
                _ => {}
            }
            Ok(())
        }
    }

    #[test]
    fn streams_raw_records_then_reports_drops() {
        let trail = bsm_format::generate::Generator::new(2).trail(30);
        let mut pipe = AuditPipe::new(Fake {
            data: VecDeque::new(),
            calls: Vec::new(),
        });
        let flags = AuMask {
            am_success: 0x80,
            am_failure: 0x80,
        };
        // The trail arrives after the pipe is configured (the fake's FLUSH drops nothing).
        pipe.device_mut().data.extend(trail.iter().copied());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let limit = Some(QueueLimit::Records(5000));
        let (n, errors) = stream(
            &mut pipe,
            flags,
            AuMask::default(),
            limit,
            &mut out,
            &mut err,
        )
        .unwrap();
        assert_eq!((n, errors), (32, 0));
        assert_eq!(out, trail);
        let err = String::from_utf8(err).unwrap();
        assert_eq!(
            err,
            "knox auditpipe: queue limit 5000 is outside this device's range 1..=1024: using 1024\n\
             knox auditpipe: 32 records written, 3 dropped by the kernel (queue full: raise --qlimit)\n"
        );
        let calls = &pipe.device().calls;
        assert!(calls.contains(&req::SET_QLIMIT));
        assert!(
            calls.iter().position(|&c| c == req::FLUSH)
                > calls.iter().position(|&c| c == req::SET_PRESELECT_FLAGS)
        );
    }
}
