//! `/dev/auditpipe`: a cloning device that tees the audit stream to each opener, with its own
//! preselection. The logic is written against the [`Device`] trait, so that it is tested on any
//! OS with a fake device; the real device exists only on macOS and FreeBSD.

use std::io::{self, Read};

use crate::ioctl::auditpipe as req;
use crate::structs::{AuMask, AuditpipeIoctlPreselect};

/// What the pipe needs from the operating system: reads and ioctls. `arg` holds the ioctl's
/// argument in host byte order; for requests the kernel writes, it is filled in.
pub trait Device: Read {
    fn ioctl(&mut self, request: u32, arg: &mut [u8]) -> io::Result<()>;
}

/// Which records a pipe gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The same records as the audit trail (the system's audit_control flags).
    Trail,
    /// The pipe's own flags, naflags and per-auid masks.
    Local,
}

/// The pipe's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub inserts: u64,
    pub reads: u64,
    /// Records dropped because the queue was full (raise the queue limit).
    pub drops: u64,
    pub truncates: u64,
}

/// A queue limit: a number of records, or the device's maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueLimit {
    Records(u32),
    Max,
}

/// An audit pipe over a device.
pub struct AuditPipe<D> {
    dev: D,
    stop: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

fn mask_bytes(m: AuMask) -> [u8; 8] {
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&m.am_success.to_ne_bytes());
    b[4..].copy_from_slice(&m.am_failure.to_ne_bytes());
    b
}

fn mask_of(b: &[u8]) -> AuMask {
    AuMask {
        am_success: u32::from_ne_bytes([b[0], b[1], b[2], b[3]]),
        am_failure: u32::from_ne_bytes([b[4], b[5], b[6], b[7]]),
    }
}

impl<D: Device> AuditPipe<D> {
    pub fn new(dev: D) -> AuditPipe<D> {
        AuditPipe { dev, stop: None }
    }

    /// Reads end (as at end of input) once this flag is set and a read is interrupted, so that a
    /// signal handler can stop a reader blocked on the device.
    pub fn stop_on(&mut self, flag: std::sync::Arc<std::sync::atomic::AtomicBool>) {
        self.stop = Some(flag);
    }

    pub fn device(&self) -> &D {
        &self.dev
    }

    pub fn device_mut(&mut self) -> &mut D {
        &mut self.dev
    }

    pub fn into_device(self) -> D {
        self.dev
    }

    fn get_u32(&mut self, request: u32) -> io::Result<u32> {
        let mut b = [0u8; 4];
        self.dev.ioctl(request, &mut b)?;
        Ok(u32::from_ne_bytes(b))
    }

    fn set_u32(&mut self, request: u32, v: u32) -> io::Result<()> {
        self.dev.ioctl(request, &mut v.to_ne_bytes())
    }

    /// xnu writes only 32 bits into the 64-bit counters: the buffer starts zeroed.
    fn get_u64(&mut self, request: u32) -> io::Result<u64> {
        let mut b = [0u8; 8];
        self.dev.ioctl(request, &mut b)?;
        Ok(u64::from_ne_bytes(b))
    }

    pub fn queue_len(&mut self) -> io::Result<u32> {
        self.get_u32(req::GET_QLEN)
    }

    pub fn queue_limit(&mut self) -> io::Result<u32> {
        self.get_u32(req::GET_QLIMIT)
    }

    pub fn queue_limit_range(&mut self) -> io::Result<(u32, u32)> {
        Ok((
            self.get_u32(req::GET_QLIMIT_MIN)?,
            self.get_u32(req::GET_QLIMIT_MAX)?,
        ))
    }

    /// Sets the queue limit; `Max` asks the device for its maximum first.
    pub fn set_queue_limit(&mut self, limit: QueueLimit) -> io::Result<u32> {
        let n = match limit {
            QueueLimit::Records(n) => n,
            QueueLimit::Max => self.get_u32(req::GET_QLIMIT_MAX)?,
        };
        self.set_u32(req::SET_QLIMIT, n)?;
        Ok(n)
    }

    pub fn max_audit_data(&mut self) -> io::Result<u32> {
        self.get_u32(req::GET_MAXAUDITDATA)
    }

    pub fn mode(&mut self) -> io::Result<Mode> {
        Ok(match self.get_u32(req::GET_PRESELECT_MODE)? as i32 {
            req::PRESELECT_MODE_LOCAL => Mode::Local,
            _ => Mode::Trail,
        })
    }

    pub fn set_mode(&mut self, m: Mode) -> io::Result<()> {
        let v = match m {
            Mode::Trail => req::PRESELECT_MODE_TRAIL,
            Mode::Local => req::PRESELECT_MODE_LOCAL,
        };
        self.set_u32(req::SET_PRESELECT_MODE, v as u32)
    }

    pub fn flags(&mut self) -> io::Result<AuMask> {
        let mut b = [0u8; 8];
        self.dev.ioctl(req::GET_PRESELECT_FLAGS, &mut b)?;
        Ok(mask_of(&b))
    }

    pub fn set_flags(&mut self, m: AuMask) -> io::Result<()> {
        self.dev.ioctl(req::SET_PRESELECT_FLAGS, &mut mask_bytes(m))
    }

    pub fn naflags(&mut self) -> io::Result<AuMask> {
        let mut b = [0u8; 8];
        self.dev.ioctl(req::GET_PRESELECT_NAFLAGS, &mut b)?;
        Ok(mask_of(&b))
    }

    pub fn set_naflags(&mut self, m: AuMask) -> io::Result<()> {
        self.dev
            .ioctl(req::SET_PRESELECT_NAFLAGS, &mut mask_bytes(m))
    }

    /// The mask of one audit user (in local mode).
    pub fn auid_mask(&mut self, auid: u32) -> io::Result<AuMask> {
        let mut b = [0u8; 12];
        b[..4].copy_from_slice(&auid.to_ne_bytes());
        self.dev.ioctl(req::GET_PRESELECT_AUID, &mut b)?;
        Ok(mask_of(&b[4..]))
    }

    pub fn set_auid_mask(&mut self, p: AuditpipeIoctlPreselect) -> io::Result<()> {
        let mut b = [0u8; 12];
        b[..4].copy_from_slice(&p.aip_auid.to_ne_bytes());
        b[4..].copy_from_slice(&mask_bytes(p.aip_mask));
        self.dev.ioctl(req::SET_PRESELECT_AUID, &mut b)
    }

    pub fn delete_auid_mask(&mut self, auid: u32) -> io::Result<()> {
        self.set_u32(req::DELETE_PRESELECT_AUID, auid)
    }

    pub fn flush_auid_masks(&mut self) -> io::Result<()> {
        self.dev.ioctl(req::FLUSH_PRESELECT_AUID, &mut [])
    }

    /// Discards the records queued so far (after changing preselection: they were selected
    /// under the old settings).
    pub fn flush(&mut self) -> io::Result<()> {
        self.dev.ioctl(req::FLUSH, &mut [])
    }

    pub fn counters(&mut self) -> io::Result<Counters> {
        Ok(Counters {
            inserts: self.get_u64(req::GET_INSERTS)?,
            reads: self.get_u64(req::GET_READS)?,
            drops: self.get_u64(req::GET_DROPS)?,
            truncates: self.get_u64(req::GET_TRUNCATES)?,
        })
    }

    /// Configures the pipe for its own selection, in the order that leaves no stale records:
    /// local mode, the masks, the queue limit, then a flush.
    pub fn configure_local(
        &mut self,
        flags: AuMask,
        naflags: AuMask,
        limit: Option<QueueLimit>,
    ) -> io::Result<()> {
        self.set_mode(Mode::Local)?;
        self.set_flags(flags)?;
        self.set_naflags(naflags)?;
        if let Some(l) = limit {
            self.set_queue_limit(l)?;
        }
        self.flush()
    }
}

impl<D: Device> Read for AuditPipe<D> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self
                .stop
                .as_ref()
                .is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed))
            {
                return Ok(0);
            }
            match self.dev.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => return r,
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod fake {
    use super::*;
    use std::collections::VecDeque;

    /// A fake auditpipe: records every ioctl, answers from its state, and returns queued bytes
    /// in reads of the sizes given (a record may straddle two reads, as on xnu).
    #[derive(Default)]
    pub struct FakePipe {
        pub calls: Vec<(u32, Vec<u8>)>,
        pub qlimit: u32,
        pub qlimit_max: u32,
        pub mode: i32,
        pub flags: [u8; 8],
        pub naflags: [u8; 8],
        pub drops: u32,
        pub data: VecDeque<u8>,
        pub read_sizes: VecDeque<usize>,
    }

    impl Read for FakePipe {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self
                .read_sizes
                .pop_front()
                .unwrap_or(usize::MAX)
                .min(buf.len())
                .min(self.data.len());
            for b in buf.iter_mut().take(n) {
                *b = self.data.pop_front().unwrap_or(0);
            }
            Ok(n)
        }
    }

    impl Device for FakePipe {
        fn ioctl(&mut self, request: u32, arg: &mut [u8]) -> io::Result<()> {
            self.calls.push((request, arg.to_vec()));
            let u32_of = |a: &[u8]| u32::from_ne_bytes([a[0], a[1], a[2], a[3]]);
            match request {
                req::SET_QLIMIT => self.qlimit = u32_of(arg),
                req::GET_QLIMIT => arg.copy_from_slice(&self.qlimit.to_ne_bytes()),
                req::GET_QLIMIT_MAX => arg.copy_from_slice(&self.qlimit_max.to_ne_bytes()),
                req::SET_PRESELECT_MODE => self.mode = u32_of(arg) as i32,
                req::GET_PRESELECT_MODE => arg.copy_from_slice(&(self.mode as u32).to_ne_bytes()),
                req::SET_PRESELECT_FLAGS => self.flags.copy_from_slice(arg),
                req::GET_PRESELECT_FLAGS => arg.copy_from_slice(&self.flags),
                req::SET_PRESELECT_NAFLAGS => self.naflags.copy_from_slice(arg),
                // xnu writes 32 bits into the 64-bit counter.
                req::GET_DROPS => arg[..4].copy_from_slice(&self.drops.to_ne_bytes()),
                req::FLUSH => self.data.clear(),
                _ => {}
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fake::FakePipe;
    use super::*;

    #[test]
    fn local_configuration_happens_in_order_and_flushes_last() {
        let mut dev = FakePipe {
            qlimit_max: 1024,
            ..FakePipe::default()
        };
        dev.data.extend([1, 2, 3]);
        let mut p = AuditPipe::new(dev);
        let flags = AuMask {
            am_success: 0x80,
            am_failure: 0x80,
        };
        p.configure_local(flags, AuMask::default(), Some(QueueLimit::Max))
            .unwrap();
        let order: Vec<u32> = p.device().calls.iter().map(|c| c.0).collect();
        assert_eq!(
            order,
            [
                req::SET_PRESELECT_MODE,
                req::SET_PRESELECT_FLAGS,
                req::SET_PRESELECT_NAFLAGS,
                req::GET_QLIMIT_MAX,
                req::SET_QLIMIT,
                req::FLUSH
            ]
        );
        assert_eq!(p.mode().unwrap(), Mode::Local);
        assert_eq!(p.flags().unwrap(), flags);
        assert_eq!(p.queue_limit().unwrap(), 1024);
        assert!(
            p.device().data.is_empty(),
            "records queued under the old settings were not flushed"
        );
    }

    #[test]
    fn counters_read_32_bit_answers_into_zeroed_64_bit_buffers() {
        let mut p = AuditPipe::new(FakePipe {
            drops: 7,
            ..FakePipe::default()
        });
        assert_eq!(p.counters().unwrap().drops, 7);
    }

    #[test]
    fn records_straddling_reads_decode_whole() {
        let trail = bsm_format::generate::Generator::new(4).trail(20);
        let mut dev = FakePipe::default();
        dev.data.extend(trail.iter().copied());
        // Reads that cut records anywhere, as xnu's byte stream does.
        dev.read_sizes
            .extend([1, 7, 100, 3, 5000, 13, 64].iter().cycle().take(200));
        let mut r = bsm_format::RecordReader::new(AuditPipe::new(dev));
        let mut n = 0;
        while let Some(rec) = r.next_record() {
            assert!(rec.unwrap().tokens().all(|t| t.is_ok()));
            n += 1;
        }
        assert_eq!(n, 22);
    }
}
