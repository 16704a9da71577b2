//! Reading and changing the kernel's audit state through auditon(2), written against the
//! [`Auditon`] trait so that it is tested with a fake kernel on any OS.
//!
//! What the kernels do (xnu and FreeBSD): A_SETPOLICY takes only cnt, ahlt, argv and arge;
//! A_GETSTAT is not implemented (ENOSYS) on either; A_GETPINFO refuses processes whose terminal
//! address is IPv6 (EINVAL), A_GETPINFO_ADDR answers for them; on macOS with the audit control
//! mode external, setting the policy, queue controls or condition needs an entitlement (EPERM even
//! for root); in a FreeBSD jail every auditon call answers ENOSYS. Errors whose cause the errno
//! does not tell come back with a sentence saying it.

use std::io;

use crate::auditon::{cmd, Policy};
use std::mem::{offset_of, size_of};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::structs::{AuMask, AuQctrl, AuTid, AuTidAddr, AuditPinfo, AuditPinfoAddr};

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

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
}

/// errno values of macOS and FreeBSD (the same on both; not the host's when tests run on Linux).
pub mod errno {
    pub const EPERM: i32 = 1;
    pub const EINVAL: i32 = 22;
    pub const ENOSYS: i32 = 78;
}

/// The commands that need an entitlement on macOS when the audit control mode is external.
const CONTROL_MODE_GUARDED: [i32; 3] = [cmd::A_SETPOLICY, cmd::A_SETQCTRL, cmd::A_SETCOND];

/// Says what an auditon error means where the errno alone does not.
fn explain(command: i32, e: io::Error) -> io::Error {
    let why = match e.raw_os_error() {
        Some(errno::ENOSYS) => {
            "the kernel does not provide this (auditing compiled out, or, on FreeBSD, a jail, \
             where every auditon call fails)"
        }
        Some(errno::EPERM) if CONTROL_MODE_GUARDED.contains(&command) => {
            "not permitted: root is needed, and on macOS, when the audit control mode is \
             external, even root cannot change the policy, queue or condition"
        }
        Some(errno::EPERM) => "not permitted: root is needed",
        _ => return e,
    };
    io::Error::new(
        e.kind(),
        Explained {
            errno: e.raw_os_error().unwrap_or(0),
            why,
        },
    )
}

/// An auditon error with what it means, keeping its errno.
#[derive(Debug)]
pub struct Explained {
    pub errno: i32,
    pub why: &'static str,
}

impl std::fmt::Display for Explained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (errno {})", self.why, self.errno)
    }
}

impl std::error::Error for Explained {}

/// The errno of an auditon error, explained or not.
pub fn errno_of(e: &io::Error) -> Option<i32> {
    e.raw_os_error().or_else(|| {
        e.get_ref()
            .and_then(|x| x.downcast_ref::<Explained>())
            .map(|x| x.errno)
    })
}

/// The systems with BSM auditing, for the steps that turn it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    MacOs,
    FreeBsd,
}

impl Os {
    /// The system knox runs on, if it is one of them.
    pub const HERE: Option<Os> = if cfg!(target_os = "macos") {
        Some(Os::MacOs)
    } else if cfg!(target_os = "freebsd") {
        Some(Os::FreeBsd)
    } else {
        None
    };
}

/// How to turn auditing on, on a system.
pub fn how_to_enable(os: Os) -> &'static str {
    match os {
        Os::MacOs => {
            "audit(4) is deprecated since macOS 11 and disabled by default since macOS 14 \
             (Apple's stated successor is Endpoint Security). To turn it on: `sudo cp \
             /etc/security/audit_control.example /etc/security/audit_control`, `sudo launchctl \
             enable system/com.apple.auditd`, then reboot"
        }
        Os::FreeBsd => {
            "start auditd: `sudo service auditd onestart` (and `auditd_enable=\"YES\"` in \
             /etc/rc.conf to start it at boot)"
        }
    }
}

/// Why no record would arrive, and what to do, when the kernel says auditing is not on: its
/// condition (A_GETCOND), or an error asking for it (ENOSYS: the kernel has no audit support
/// turned on). `None` when auditing is on, or when the condition cannot be read for another
/// reason (the reading goes on and says what it finds).
pub fn not_auditing(cond: &io::Result<Condition>, os: Os) -> Option<String> {
    let state = match cond {
        Ok(Condition::Auditing) => return None,
        Ok(c) => format!("auditing is {} (condition {})", c.text(), c.raw()),
        Err(e) if errno_of(e) == Some(errno::ENOSYS) => {
            "the kernel has no auditing turned on (auditon answers ENOSYS)".to_string()
        }
        Err(_) => return None,
    };
    Some(format!(
        "{state}, so no record would arrive: {}",
        how_to_enable(os)
    ))
}

/// A terminal: its port (device) and machine address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terminal {
    pub port: u32,
    pub address: IpAddr,
}

/// A process's audit state (A_GETPINFO, or A_GETPINFO_ADDR when its terminal is IPv6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: i32,
    pub auid: u32,
    pub mask: AuMask,
    pub terminal: Terminal,
    pub asid: i32,
    /// Session flags (only A_GETPINFO_ADDR reports them).
    pub flags: Option<u64>,
}

/// Whether auditing is on (A_GETCOND).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// AUC_UNSET (0): auditd has not started auditing since boot.
    Unset,
    /// AUC_AUDITING (1).
    Auditing,
    /// AUC_NOAUDIT (2): auditing was turned off (`audit -t`).
    NoAudit,
    /// AUC_DISABLED (-1): auditing is disabled.
    Disabled,
    /// A value neither kernel defines.
    Other(i32),
}

impl Condition {
    pub fn from_raw(v: i32) -> Condition {
        match v {
            0 => Condition::Unset,
            1 => Condition::Auditing,
            2 => Condition::NoAudit,
            -1 => Condition::Disabled,
            v => Condition::Other(v),
        }
    }

    pub fn raw(self) -> i32 {
        match self {
            Condition::Unset => 0,
            Condition::Auditing => 1,
            Condition::NoAudit => 2,
            Condition::Disabled => -1,
            Condition::Other(v) => v,
        }
    }

    /// What it means, for people.
    pub fn text(self) -> &'static str {
        match self {
            Condition::Unset => "not started (auditd has not turned auditing on since boot)",
            Condition::Auditing => "auditing",
            Condition::NoAudit => "not auditing (turned off)",
            Condition::Disabled => "disabled",
            Condition::Other(_) => "unknown",
        }
    }
}

/// The operations of `knox auditon`.
pub struct Control<A> {
    pub k: A,
}

impl<A: Auditon> Control<A> {
    fn call(&mut self, command: i32, b: &mut [u8]) -> io::Result<()> {
        self.k.auditon(command, b).map_err(|e| explain(command, e))
    }

    pub fn policy(&mut self) -> io::Result<Policy> {
        let mut b = [0u8; 4];
        self.call(cmd::A_GETPOLICY, &mut b)?;
        Ok(Policy::from_bits_retain(u32::from_ne_bytes(b)))
    }

    /// Sets the policy. Bits the kernels do not take are refused before the call, by name.
    pub fn set_policy(&mut self, p: Policy) -> io::Result<()> {
        p.check_settable()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        self.call(cmd::A_SETPOLICY, &mut p.bits().to_ne_bytes())
    }

    /// A process's audit state. A_GETPINFO cannot describe an IPv6 terminal and refuses such a
    /// process with EINVAL; A_GETPINFO_ADDR is asked then.
    pub fn process(&mut self, pid: i32) -> io::Result<ProcessInfo> {
        let mut b = [0u8; size_of::<AuditPinfo>()];
        b[..4].copy_from_slice(&pid.to_ne_bytes());
        match self.k.auditon(cmd::A_GETPINFO, &mut b) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(errno::EINVAL) => return self.process_addr(pid),
            Err(e) => return Err(explain(cmd::A_GETPINFO, e)),
        }
        let tid = offset_of!(AuditPinfo, ap_termid);
        let machine = offset_of!(AuTid, machine);
        Ok(ProcessInfo {
            pid: u32_at(&b, offset_of!(AuditPinfo, ap_pid)) as i32,
            auid: u32_at(&b, offset_of!(AuditPinfo, ap_auid)),
            mask: mask_at(&b, offset_of!(AuditPinfo, ap_mask)),
            terminal: Terminal {
                port: u32_at(&b, tid + offset_of!(AuTid, port)),
                // The address as the kernel stores it: network byte order.
                address: IpAddr::V4(Ipv4Addr::new(
                    b[tid + machine],
                    b[tid + machine + 1],
                    b[tid + machine + 2],
                    b[tid + machine + 3],
                )),
            },
            asid: u32_at(&b, offset_of!(AuditPinfo, ap_asid)) as i32,
            flags: None,
        })
    }

    fn process_addr(&mut self, pid: i32) -> io::Result<ProcessInfo> {
        let mut b = [0u8; size_of::<AuditPinfoAddr>()];
        b[..4].copy_from_slice(&pid.to_ne_bytes());
        self.call(cmd::A_GETPINFO_ADDR, &mut b)?;
        let tid = offset_of!(AuditPinfoAddr, ap_termid);
        let at = tid + offset_of!(AuTidAddr, at_addr);
        let address = match u32_at(&b, tid + offset_of!(AuTidAddr, at_type)) {
            crate::structs::AU_IPV6 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(&b[at..at + 16]);
                IpAddr::V6(Ipv6Addr::from(a))
            }
            _ => IpAddr::V4(Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3])),
        };
        let flags = offset_of!(AuditPinfoAddr, ap_flags);
        let mut f = [0u8; 8];
        f.copy_from_slice(&b[flags..flags + 8]);
        Ok(ProcessInfo {
            pid: u32_at(&b, offset_of!(AuditPinfoAddr, ap_pid)) as i32,
            auid: u32_at(&b, offset_of!(AuditPinfoAddr, ap_auid)),
            mask: mask_at(&b, offset_of!(AuditPinfoAddr, ap_mask)),
            terminal: Terminal {
                port: u32_at(&b, tid + offset_of!(AuTidAddr, at_port)),
                address,
            },
            asid: u32_at(&b, offset_of!(AuditPinfoAddr, ap_asid)) as i32,
            flags: Some(u64::from_ne_bytes(f)),
        })
    }

    /// Sets a process's preselection mask (A_SETPMASK takes a whole auditpinfo_t).
    pub fn set_process_mask(&mut self, pid: i32, m: AuMask) -> io::Result<()> {
        let mut b = [0u8; size_of::<AuditPinfo>()];
        put_u32(&mut b, offset_of!(AuditPinfo, ap_pid), pid as u32);
        let mask = offset_of!(AuditPinfo, ap_mask);
        put_u32(&mut b, mask, m.am_success);
        put_u32(&mut b, mask + 4, m.am_failure);
        self.call(cmd::A_SETPMASK, &mut b)
    }

    /// The classes of an event in the kernel's map (A_GETCLASS).
    pub fn event_class(&mut self, event: u16) -> io::Result<u32> {
        let mut b = [0u8; 8];
        b[..2].copy_from_slice(&event.to_ne_bytes());
        self.call(cmd::A_GETCLASS, &mut b)?;
        Ok(u32_at(&b, 4))
    }

    pub fn set_event_class(&mut self, event: u16, classes: u32) -> io::Result<()> {
        let mut b = [0u8; 8];
        b[..2].copy_from_slice(&event.to_ne_bytes());
        b[4..].copy_from_slice(&classes.to_ne_bytes());
        self.call(cmd::A_SETCLASS, &mut b)
    }

    pub fn queue_control(&mut self) -> io::Result<AuQctrl> {
        let mut b = [0u8; 20];
        self.call(cmd::A_GETQCTRL, &mut b)?;
        Ok(AuQctrl {
            aq_hiwater: u32_at(&b, 0) as i32,
            aq_lowater: u32_at(&b, 4) as i32,
            aq_bufsz: u32_at(&b, 8) as i32,
            aq_delay: u32_at(&b, 12) as i32,
            aq_minfree: u32_at(&b, 16) as i32,
        })
    }

    /// Whether auditing is on (A_GETCOND).
    pub fn condition(&mut self) -> io::Result<Condition> {
        let mut b = [0u8; 4];
        self.call(cmd::A_GETCOND, &mut b)?;
        Ok(Condition::from_raw(u32_at(&b, 0) as i32))
    }

    pub fn kernel_mask(&mut self) -> io::Result<AuMask> {
        let mut b = [0u8; 8];
        self.call(cmd::A_GETKMASK, &mut b)?;
        Ok(mask_at(&b, 0))
    }
}

fn mask_at(b: &[u8], at: usize) -> AuMask {
    AuMask {
        am_success: u32_at(b, at),
        am_failure: u32_at(b, at + 4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A fake kernel: policy, per-event classes and per-pid masks and terminals, answering as
    /// xnu and FreeBSD do (only four policy bits, EINVAL from A_GETPINFO for an IPv6 terminal,
    /// ENOSYS for A_GETSTAT or for everything in a jail, EPERM in external control mode).
    #[derive(Default)]
    struct Kernel {
        policy: u32,
        classes: HashMap<u16, u32>,
        masks: HashMap<i32, (u32, u32)>,
        ipv6: HashMap<i32, [u8; 16]>,
        cond: i32,
        jailed: bool,
        external_control: bool,
        calls: Vec<(i32, usize)>,
    }

    fn err(errno: i32) -> io::Result<()> {
        Err(io::Error::from_raw_os_error(errno))
    }

    impl Auditon for Kernel {
        fn auditon(&mut self, c: i32, b: &mut [u8]) -> io::Result<()> {
            self.calls.push((c, b.len()));
            if self.jailed {
                return err(errno::ENOSYS);
            }
            match c {
                cmd::A_GETPOLICY => b.copy_from_slice(&self.policy.to_ne_bytes()),
                cmd::A_SETPOLICY if self.external_control => return err(errno::EPERM),
                cmd::A_SETPOLICY => {
                    let p = u32_at(b, 0);
                    if p & !0xf != 0 {
                        return err(errno::EINVAL);
                    }
                    self.policy = p;
                }
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
                cmd::A_GETPINFO | cmd::A_GETPINFO_ADDR => {
                    let want = if c == cmd::A_GETPINFO { 28 } else { 56 };
                    if b.len() != want {
                        return err(errno::EINVAL);
                    }
                    let pid = u32_at(b, 0) as i32;
                    let (s, f) = self.masks.get(&pid).copied().unwrap_or((0, 0));
                    put_u32(b, 4, 501);
                    put_u32(b, 8, s);
                    put_u32(b, 12, f);
                    put_u32(b, 16, 0x1234);
                    match (c, self.ipv6.get(&pid)) {
                        (cmd::A_GETPINFO, Some(_)) => return err(errno::EINVAL),
                        (cmd::A_GETPINFO, None) => {
                            b[20..24].copy_from_slice(&[192, 0, 2, 7]);
                            put_u32(b, 24, 100007);
                        }
                        (_, Some(a)) => {
                            put_u32(b, 20, 16);
                            b[24..40].copy_from_slice(a);
                            put_u32(b, 40, 100008);
                            b[48..56].copy_from_slice(&0x4000u64.to_ne_bytes());
                        }
                        (_, None) => {
                            put_u32(b, 20, 4);
                            b[24..28].copy_from_slice(&[192, 0, 2, 7]);
                            put_u32(b, 40, 100007);
                        }
                    }
                }
                cmd::A_GETCOND => b.copy_from_slice(&self.cond.to_ne_bytes()),
                cmd::A_GETSTAT => return err(errno::ENOSYS),
                _ => {}
            }
            Ok(())
        }
    }

    fn control() -> Control<Kernel> {
        Control {
            k: Kernel::default(),
        }
    }

    #[test]
    fn policy_classes_and_masks_round_trip_with_the_right_sizes() {
        let mut c = control();
        c.set_policy(Policy::ARGV | Policy::CNT).unwrap();
        assert_eq!(c.policy().unwrap(), Policy::ARGV | Policy::CNT);
        c.set_event_class(43190, 0x80).unwrap();
        assert_eq!(c.event_class(43190).unwrap(), 0x80);
        let m = AuMask {
            am_success: 1,
            am_failure: 2,
        };
        c.set_process_mask(42, m).unwrap();
        let p = c.process(42).unwrap();
        assert_eq!((p.pid, p.auid, p.mask, p.asid), (42, 501, m, 100007));
        assert_eq!(p.terminal.port, 0x1234);
        assert_eq!(p.terminal.address.to_string(), "192.0.2.7");
        assert_eq!(p.flags, None);
        let sizes: HashMap<i32, usize> = c.k.calls.iter().copied().collect();
        assert_eq!(sizes[&cmd::A_SETPOLICY], 4);
        assert_eq!(sizes[&cmd::A_GETCLASS], 8);
        assert_eq!(sizes[&cmd::A_GETPINFO], 28);
        assert_eq!(sizes[&cmd::A_SETPMASK], 28);
        assert!(!sizes.contains_key(&cmd::A_GETPINFO_ADDR));
    }

    #[test]
    fn a_process_with_an_ipv6_terminal_is_asked_for_with_getpinfo_addr() {
        let mut c = control();
        let addr: Ipv6Addr = "2001:db8::7".parse().unwrap();
        c.k.ipv6.insert(42, addr.octets());
        let p = c.process(42).unwrap();
        assert_eq!(p.terminal.address, IpAddr::V6(addr));
        assert_eq!(
            (p.pid, p.auid, p.asid, p.flags),
            (42, 501, 100008, Some(0x4000))
        );
        let asked: Vec<(i32, usize)> = c.k.calls.clone();
        assert_eq!(
            asked,
            [(cmd::A_GETPINFO, 28), (cmd::A_GETPINFO_ADDR, 56)],
            "A_GETPINFO first, then the 56-byte auditpinfo_addr"
        );
    }

    #[test]
    fn policies_the_kernels_refuse_are_refused_before_the_call_by_name() {
        let mut c = control();
        let e = c.set_policy(Policy::ARGV | Policy::SEQ).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("seq"), "{e}");
        assert!(e.to_string().contains("cnt, ahlt, argv and arge"), "{e}");
        assert!(c.k.calls.is_empty(), "the kernel was called");
        assert_eq!(c.k.policy, 0);
    }

    #[test]
    fn errors_whose_errno_says_little_get_a_sentence() {
        let mut c = control();
        c.k.external_control = true;
        let e = c.set_policy(Policy::ARGV).unwrap_err();
        assert!(
            e.to_string().contains("audit control mode is external"),
            "{e}"
        );
        let mut c = control();
        c.k.jailed = true;
        let e = c.policy().unwrap_err();
        assert!(e.to_string().contains("jail"), "{e}");
        assert_eq!(
            e.raw_os_error(),
            None,
            "the sentence replaces the bare errno"
        );
    }

    #[test]
    fn conditions_are_the_kernels_values() {
        let mut c = control();
        for (raw, want) in [
            (0, Condition::Unset),
            (1, Condition::Auditing),
            (2, Condition::NoAudit),
            (-1, Condition::Disabled),
            (3, Condition::Other(3)),
        ] {
            c.k.cond = raw;
            let got = c.condition().unwrap();
            assert_eq!(got, want);
            assert_eq!(got.raw(), raw);
        }
    }
}
