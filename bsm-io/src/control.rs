//! Reading and changing the kernel's audit state through auditon(2), written against the
//! [`Auditon`] trait so that it is tested with a fake kernel on any OS.

use std::io;

use crate::auditon::{cmd, Policy};
use crate::structs::{AuMask, AuQctrl, AuStat};

/// auditon(2): `cmd` with a buffer the kernel reads and/or writes.
pub trait Auditon {
    fn auditon(&mut self, cmd: i32, data: &mut [u8]) -> io::Result<()>;
}

/// The real system call (macOS, FreeBSD; `Unsupported` elsewhere).
pub struct System;

impl Auditon for System {
    fn auditon(&mut self, cmd: i32, data: &mut [u8]) -> io::Result<()> {
        crate::system::auditon(cmd, data).map_err(|e| match e {
            crate::system::Error::Io { source, .. } => source,
            e => io::Error::new(io::ErrorKind::Unsupported, e.to_string()),
        })
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// A process's audit state (A_GETPINFO).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: i32,
    pub auid: u32,
    pub mask: AuMask,
    pub port: u32,
    pub machine: u32,
    pub asid: i32,
}

/// The operations of `knox auditon`.
pub struct Control<A> {
    pub k: A,
}

impl<A: Auditon> Control<A> {
    pub fn policy(&mut self) -> io::Result<Policy> {
        let mut b = [0u8; 4];
        self.k.auditon(cmd::A_GETPOLICY, &mut b)?;
        Ok(Policy::from_bits_retain(u32::from_ne_bytes(b)))
    }

    pub fn set_policy(&mut self, p: Policy) -> io::Result<()> {
        self.k
            .auditon(cmd::A_SETPOLICY, &mut p.bits().to_ne_bytes())
    }

    pub fn process(&mut self, pid: i32) -> io::Result<ProcessInfo> {
        let mut b = [0u8; 28];
        b[..4].copy_from_slice(&pid.to_ne_bytes());
        self.k.auditon(cmd::A_GETPINFO, &mut b)?;
        Ok(ProcessInfo {
            pid: u32_at(&b, 0) as i32,
            auid: u32_at(&b, 4),
            mask: AuMask {
                am_success: u32_at(&b, 8),
                am_failure: u32_at(&b, 12),
            },
            port: u32_at(&b, 16),
            machine: u32_at(&b, 20),
            asid: u32_at(&b, 24) as i32,
        })
    }

    /// Sets a process's preselection mask (A_SETPMASK takes a whole auditpinfo_t).
    pub fn set_process_mask(&mut self, pid: i32, m: AuMask) -> io::Result<()> {
        let mut b = [0u8; 28];
        b[..4].copy_from_slice(&pid.to_ne_bytes());
        b[8..12].copy_from_slice(&m.am_success.to_ne_bytes());
        b[12..16].copy_from_slice(&m.am_failure.to_ne_bytes());
        self.k.auditon(cmd::A_SETPMASK, &mut b)
    }

    /// The classes of an event in the kernel's map (A_GETCLASS).
    pub fn event_class(&mut self, event: u16) -> io::Result<u32> {
        let mut b = [0u8; 8];
        b[..2].copy_from_slice(&event.to_ne_bytes());
        self.k.auditon(cmd::A_GETCLASS, &mut b)?;
        Ok(u32_at(&b, 4))
    }

    pub fn set_event_class(&mut self, event: u16, classes: u32) -> io::Result<()> {
        let mut b = [0u8; 8];
        b[..2].copy_from_slice(&event.to_ne_bytes());
        b[4..].copy_from_slice(&classes.to_ne_bytes());
        self.k.auditon(cmd::A_SETCLASS, &mut b)
    }

    pub fn queue_control(&mut self) -> io::Result<AuQctrl> {
        let mut b = [0u8; 20];
        self.k.auditon(cmd::A_GETQCTRL, &mut b)?;
        Ok(AuQctrl {
            aq_hiwater: u32_at(&b, 0) as i32,
            aq_lowater: u32_at(&b, 4) as i32,
            aq_bufsz: u32_at(&b, 8) as i32,
            aq_delay: u32_at(&b, 12) as i32,
            aq_minfree: u32_at(&b, 16) as i32,
        })
    }

    /// Whether auditing is on (A_GETCOND: 1 AUC_AUDITING, 2 AUC_NOAUDIT, 3 AUC_DISABLED...).
    pub fn condition(&mut self) -> io::Result<i32> {
        let mut b = [0u8; 4];
        self.k.auditon(cmd::A_GETCOND, &mut b)?;
        Ok(u32_at(&b, 0) as i32)
    }

    pub fn kernel_mask(&mut self) -> io::Result<AuMask> {
        let mut b = [0u8; 8];
        self.k.auditon(cmd::A_GETKMASK, &mut b)?;
        Ok(AuMask {
            am_success: u32_at(&b, 0),
            am_failure: u32_at(&b, 4),
        })
    }

    /// Kernel statistics (FreeBSD; xnu answers ENOSYS).
    pub fn stats(&mut self) -> io::Result<AuStat> {
        let mut b = [0u8; 56];
        self.k.auditon(cmd::A_GETSTAT, &mut b)?;
        let f = |i: usize| u32_at(&b, i * 4);
        Ok(AuStat {
            as_version: f(0),
            as_numevent: f(1),
            as_generated: f(2) as i32,
            as_nonattrib: f(3) as i32,
            as_kernel: f(4) as i32,
            as_audit: f(5) as i32,
            as_auditctl: f(6) as i32,
            as_enqueue: f(7) as i32,
            as_written: f(8) as i32,
            as_wblocked: f(9) as i32,
            as_rblocked: f(10) as i32,
            as_dropped: f(11) as i32,
            as_totalsize: f(12) as i32,
            as_memused: f(13),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A fake kernel: policy, per-event classes and per-pid masks.
    #[derive(Default)]
    struct Kernel {
        policy: u32,
        classes: HashMap<u16, u32>,
        masks: HashMap<i32, (u32, u32)>,
        calls: Vec<(i32, usize)>,
    }

    impl Auditon for Kernel {
        fn auditon(&mut self, c: i32, b: &mut [u8]) -> io::Result<()> {
            self.calls.push((c, b.len()));
            match c {
                cmd::A_GETPOLICY => b.copy_from_slice(&self.policy.to_ne_bytes()),
                cmd::A_SETPOLICY => self.policy = u32_at(b, 0),
                cmd::A_GETCLASS => {
                    let e = u16::from_ne_bytes([b[0], b[1]]);
                    b[4..]
                        .copy_from_slice(&self.classes.get(&e).copied().unwrap_or(0).to_ne_bytes());
                }
                cmd::A_SETCLASS => {
                    self.classes
                        .insert(u16::from_ne_bytes([b[0], b[1]]), u32_at(b, 4));
                }
                cmd::A_SETPMASK => {
                    self.masks
                        .insert(u32_at(b, 0) as i32, (u32_at(b, 8), u32_at(b, 12)));
                }
                cmd::A_GETPINFO => {
                    let pid = u32_at(b, 0) as i32;
                    let (s, f) = self.masks.get(&pid).copied().unwrap_or((0, 0));
                    b[4..8].copy_from_slice(&501u32.to_ne_bytes());
                    b[8..12].copy_from_slice(&s.to_ne_bytes());
                    b[12..16].copy_from_slice(&f.to_ne_bytes());
                }
                cmd::A_GETSTAT => return Err(io::Error::from_raw_os_error(78)),
                _ => {}
            }
            Ok(())
        }
    }

    #[test]
    fn policy_classes_and_masks_round_trip_with_the_right_sizes() {
        let mut c = Control {
            k: Kernel::default(),
        };
        c.set_policy(Policy::ARGV | Policy::CNT).unwrap();
        assert_eq!(c.policy().unwrap(), Policy::ARGV | Policy::CNT);
        c.set_event_class(43190, 0x80).unwrap();
        assert_eq!(c.event_class(43190).unwrap(), 0x80);
        c.set_process_mask(
            42,
            AuMask {
                am_success: 1,
                am_failure: 2,
            },
        )
        .unwrap();
        let p = c.process(42).unwrap();
        assert_eq!(
            (p.pid, p.auid, p.mask.am_success, p.mask.am_failure),
            (42, 501, 1, 2)
        );
        assert!(c.stats().is_err());
        let sizes: HashMap<i32, usize> = c.k.calls.iter().copied().collect();
        assert_eq!(sizes[&cmd::A_SETPOLICY], 4);
        assert_eq!(sizes[&cmd::A_GETCLASS], 8);
        assert_eq!(sizes[&cmd::A_GETPINFO], 28);
        assert_eq!(sizes[&cmd::A_SETPMASK], 28);
        assert_eq!(sizes[&cmd::A_GETSTAT], 56);
    }
}
