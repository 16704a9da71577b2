//! `/dev/auditpipe`: a cloning device that tees the audit stream to each opener, with its own
//! preselection. The logic is written against the [`Device`] trait, so that it is tested on any
//! OS with a fake device; the real device exists only on macOS and FreeBSD.
//!
//! What the kernels do (xnu and current FreeBSD), which readers must allow for:
//! - read() is a byte stream: one read may end inside a record and may hold several records
//!   (decode with [`bsm_format::RecordReader`] or `Batches`, never one record per read).
//! - Records submitted from user space through audit(2) reach every pipe whatever its
//!   preselection: a local-mode pipe can carry classes it did not ask for, so readers filter.
//! - FLUSH drops the queue and the rest of a record partly read.
//! - The 64-bit counters are filled from 32-bit values (they wrap at 2^32); READS counts read()
//!   calls, not records; nothing is ever truncated.
//! - GET_PRESELECT_AUID is declared `_IOR`: the kernel never sees the auid passed in and answers
//!   for auid 0, so a pipe's per-auid masks are answered from what this process set.
//! - SET_QLIMIT: xnu accepts any value (0 drops every record), FreeBSD refuses values outside
//!   1..=1024; the limit is clamped to the device's range before the call.

use std::collections::HashMap;
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

/// The pipe's counters. The kernels keep them in 32 bits: they wrap at 2^32.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Records queued for this pipe.
    pub inserts: u64,
    /// read() calls (not records: a read may hold several, or part of one).
    pub reads: u64,
    /// Records dropped because the queue was full (raise the queue limit).
    pub drops: u64,
    /// Always 0 on current kernels (records are never truncated).
    pub truncates: u64,
}

/// A queue limit: a number of records, or the device's maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueLimit {
    Records(u32),
    Max,
}

/// The queue limit a pipe got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimitSet {
    /// What was asked (`None` for the maximum).
    pub asked: Option<u32>,
    /// What was set: the request clamped to the device's range.
    pub set: u32,
    /// The device's range.
    pub min: u32,
    pub max: u32,
}

impl QueueLimitSet {
    /// Whether the request was outside the device's range.
    pub fn clamped(&self) -> bool {
        self.asked.is_some_and(|a| a != self.set)
    }
}

/// An audit pipe over a device.
pub struct AuditPipe<D> {
    dev: D,
    stop: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// The per-auid masks this process set (the kernel cannot be asked for them).
    auid_masks: HashMap<u32, AuMask>,
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
        AuditPipe {
            dev,
            stop: None,
            auid_masks: HashMap::new(),
        }
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

    /// Sets the queue limit, clamped to the device's range (at least 1: a limit of 0 would drop
    /// every record on xnu), and says what was set.
    pub fn set_queue_limit(&mut self, limit: QueueLimit) -> io::Result<QueueLimitSet> {
        let (min, max) = self.queue_limit_range()?;
        let lo = min.max(1);
        let hi = max.max(lo);
        let asked = match limit {
            QueueLimit::Records(n) => Some(n),
            QueueLimit::Max => None,
        };
        let set = asked.map_or(hi, |n| n.clamp(lo, hi));
        self.set_u32(req::SET_QLIMIT, set)?;
        Ok(QueueLimitSet {
            asked,
            set,
            min: lo,
            max: hi,
        })
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

    /// The mask this process set for one audit user (in local mode), if any. The kernel is not
    /// asked: its GET_PRESELECT_AUID ignores the auid passed in.
    pub fn auid_mask(&self, auid: u32) -> Option<AuMask> {
        self.auid_masks.get(&auid).copied()
    }

    pub fn set_auid_mask(&mut self, p: AuditpipeIoctlPreselect) -> io::Result<()> {
        let mut b = [0u8; 12];
        b[..4].copy_from_slice(&p.aip_auid.to_ne_bytes());
        b[4..].copy_from_slice(&mask_bytes(p.aip_mask));
        self.dev.ioctl(req::SET_PRESELECT_AUID, &mut b)?;
        self.auid_masks.insert(p.aip_auid, p.aip_mask);
        Ok(())
    }

    pub fn delete_auid_mask(&mut self, auid: u32) -> io::Result<()> {
        self.set_u32(req::DELETE_PRESELECT_AUID, auid)?;
        self.auid_masks.remove(&auid);
        Ok(())
    }

    pub fn flush_auid_masks(&mut self) -> io::Result<()> {
        self.dev.ioctl(req::FLUSH_PRESELECT_AUID, &mut [])?;
        self.auid_masks.clear();
        Ok(())
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
    /// local mode, the masks, the queue limit, then a flush. Returns the queue limit set.
    pub fn configure_local(
        &mut self,
        flags: AuMask,
        naflags: AuMask,
        limit: Option<QueueLimit>,
    ) -> io::Result<Option<QueueLimitSet>> {
        self.set_mode(Mode::Local)?;
        self.set_flags(flags)?;
        self.set_naflags(naflags)?;
        let set = limit.map(|l| self.set_queue_limit(l)).transpose()?;
        self.flush()?;
        Ok(set)
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
        pub qlimit_min: u32,
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
                req::GET_QLIMIT_MIN => arg.copy_from_slice(&self.qlimit_min.to_ne_bytes()),
                req::GET_QLIMIT_MAX => arg.copy_from_slice(&self.qlimit_max.to_ne_bytes()),
                // `_IOR`: the kernel answers for auid 0 whatever was passed in.
                req::GET_PRESELECT_AUID => arg.fill(0),
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
        let set = p
            .configure_local(flags, AuMask::default(), Some(QueueLimit::Max))
            .unwrap()
            .unwrap();
        assert_eq!((set.set, set.clamped()), (1024, false));
        let order: Vec<u32> = p.device().calls.iter().map(|c| c.0).collect();
        assert_eq!(
            order,
            [
                req::SET_PRESELECT_MODE,
                req::SET_PRESELECT_FLAGS,
                req::SET_PRESELECT_NAFLAGS,
                req::GET_QLIMIT_MIN,
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

    /// xnu reports a minimum of 1 and a maximum of 1024 but would take 0 (dropping every
    /// record) or 10^6; FreeBSD refuses both. Out-of-range limits are clamped before the call.
    #[test]
    fn queue_limits_outside_the_range_are_clamped_and_say_so() {
        for (min, asked, want) in [
            (1, 0, 1),
            (0, 0, 1),
            (1, 1_000_000, 1024),
            (1, 512, 512),
            (1, 1024, 1024),
        ] {
            let mut p = AuditPipe::new(FakePipe {
                qlimit_min: min,
                qlimit_max: 1024,
                ..FakePipe::default()
            });
            let set = p.set_queue_limit(QueueLimit::Records(asked)).unwrap();
            assert_eq!(set.set, want, "asked {asked}");
            assert_eq!(set.clamped(), asked != want, "asked {asked}");
            assert_eq!(p.device().qlimit, want, "the device got the clamped value");
        }
    }

    #[test]
    fn auid_masks_are_answered_from_what_this_process_set() {
        let mut p = AuditPipe::new(FakePipe::default());
        let m = AuMask {
            am_success: 0x80,
            am_failure: 0x1,
        };
        p.set_auid_mask(AuditpipeIoctlPreselect {
            aip_auid: 501,
            aip_mask: m,
        })
        .unwrap();
        assert_eq!(p.auid_mask(501), Some(m));
        assert_eq!(p.auid_mask(0), None);
        p.delete_auid_mask(501).unwrap();
        assert_eq!(p.auid_mask(501), None);
        assert!(
            p.device()
                .calls
                .iter()
                .all(|c| c.0 != req::GET_PRESELECT_AUID),
            "the kernel's answer would be auid 0's"
        );
    }

    #[test]
    fn several_records_in_one_read_all_decode() {
        let trail = bsm_format::generate::Generator::new(5).trail(30);
        let mut dev = FakePipe::default();
        dev.data.extend(trail.iter().copied());
        // Everything queued comes in one read, then records cut at odd places.
        dev.read_sizes.extend([trail.len() / 2, 3, 1 << 20]);
        let mut r = bsm_format::RecordReader::new(AuditPipe::new(dev));
        let mut got = Vec::new();
        while let Some(rec) = r.next_record() {
            got.extend_from_slice(rec.unwrap().bytes());
        }
        assert_eq!(got, trail);
    }
}
