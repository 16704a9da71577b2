//! `knox auditon`: read and change the kernel's audit state (policy, process masks, the
//! event-to-class map) and read its queue control, condition and mask. (Kernel statistics,
//! A_GETSTAT, are not offered: neither macOS nor FreeBSD implements them.)

use std::io::{self, Write};

use bsm_format::tables::{parse_flags, ClassTable, EventTable};
use bsm_io::auditon::Policy;
use bsm_io::control::{Auditon, Control};
use bsm_io::structs::AuMask;

/// What to read or change.
#[derive(Debug, Clone)]
pub enum Action {
    /// The audit policy (argv, arge, cnt, ...): show, or change with --set/--unset.
    Policy {
        /// Policies to add, comma-separated.
        set: Option<String>,
        /// Policies to remove.
        unset: Option<String>,
    },
    /// A process's preselection mask: show, set (--set CLASSES) or clear (--unset).
    Pmask {
        pid: i32,
        set: Option<String>,
        unset: bool,
    },
    /// An event's classes in the kernel's map: show, add (--set) or remove (--unset).
    Class {
        /// Event name (AUE_EXECVE) or number.
        event: String,
        set: Option<String>,
        unset: Option<String>,
    },
    /// The kernel audit queue's controls.
    Qctrl,
    /// Whether auditing is on.
    Cond,
    /// The kernel's preselection mask for non-attributable events.
    Kmask,
}

fn class_names(mask: u32, classes: &ClassTable) -> String {
    let names: Vec<&str> = classes
        .classes
        .iter()
        .filter(|c| c.mask != 0 && mask & c.mask == c.mask && c.mask.count_ones() == 1)
        .map(|c| c.name.as_str())
        .collect();
    if names.is_empty() {
        format!("{mask:#x}")
    } else {
        names.join(",")
    }
}

fn mask_text(m: AuMask, classes: &ClassTable) -> String {
    format!(
        "success {} ({:#x}), failure {} ({:#x})",
        class_names(m.am_success, classes),
        m.am_success,
        class_names(m.am_failure, classes),
        m.am_failure
    )
}

fn bad(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, e.to_string())
}

/// Runs one action against a kernel; prints text or one JSON object.
pub fn run<A: Auditon>(
    ctl: &mut Control<A>,
    action: &Action,
    json: bool,
    events: &EventTable,
    classes: &ClassTable,
    out: &mut dyn Write,
) -> io::Result<()> {
    let (text, value): (String, serde_json::Value) = match action {
        Action::Policy { set, unset } => {
            let add = set
                .as_deref()
                .map(Policy::parse)
                .transpose()
                .map_err(bad)?
                .unwrap_or(Policy::empty());
            add.check_settable().map_err(bad)?;
            let old = ctl.policy()?;
            let remove = unset
                .as_deref()
                .map(Policy::parse)
                .transpose()
                .map_err(bad)?
                .unwrap_or(Policy::empty());
            let new = (old | add) & !remove;
            if new != old {
                ctl.set_policy(new)?;
                (
                    format!("policy: {} -> {}", old.names(), new.names()),
                    serde_json::json!({"policy": new.names(), "previous": old.names(), "bits": new.bits()}),
                )
            } else {
                (
                    format!("policy: {}", old.names()),
                    serde_json::json!({"policy": old.names(), "bits": old.bits()}),
                )
            }
        }
        Action::Pmask { pid, set, unset } => {
            if let Some(c) = set {
                ctl.set_process_mask(*pid, parse_flags(c, classes).map_err(bad)?.into())?;
            } else if *unset {
                ctl.set_process_mask(*pid, AuMask::default())?;
            }
            let p = ctl.process(*pid)?;
            (
                format!(
                    "pid {}: auid {}, asid {}, terminal {} {}, mask {}",
                    p.pid,
                    p.auid as i32,
                    p.asid,
                    p.terminal.port,
                    p.terminal.address,
                    mask_text(p.mask, classes)
                ),
                serde_json::json!({"pid": p.pid, "auid": p.auid, "asid": p.asid,
                    "terminal": {"port": p.terminal.port, "address": p.terminal.address.to_string()},
                    "success": p.mask.am_success, "failure": p.mask.am_failure}),
            )
        }
        Action::Class { event, set, unset } => {
            let n = knox_read::tables::event_number(events, event).map_err(bad)?;
            let old = ctl.event_class(n)?;
            let add = set
                .as_deref()
                .map(|c| parse_flags(c, classes))
                .transpose()
                .map_err(bad)?
                .map_or(0, |m| m.success);
            let rm = unset
                .as_deref()
                .map(|c| parse_flags(c, classes))
                .transpose()
                .map_err(bad)?
                .map_or(0, |m| m.success);
            let new = (old | add) & !rm;
            if new != old {
                ctl.set_event_class(n, new)?;
            }
            let name = events
                .get(n)
                .map_or(String::new(), |e| format!(" ({})", e.name));
            (
                if new != old {
                    format!(
                        "event {n}{name}: {} -> {}",
                        class_names(old, classes),
                        class_names(new, classes)
                    )
                } else {
                    format!("event {n}{name}: {}", class_names(old, classes))
                },
                serde_json::json!({"event": n, "classes": new, "previous": old, "names": class_names(new, classes)}),
            )
        }
        Action::Qctrl => {
            let q = ctl.queue_control()?;
            (
                format!(
                    "queue: high water {}, low water {}, buffer {} bytes, delay {}, min free {}%",
                    q.aq_hiwater, q.aq_lowater, q.aq_bufsz, q.aq_delay, q.aq_minfree
                ),
                serde_json::json!({"hiwater": q.aq_hiwater, "lowater": q.aq_lowater, "bufsz": q.aq_bufsz,
                    "delay": q.aq_delay, "minfree": q.aq_minfree}),
            )
        }
        Action::Cond => {
            let c = ctl.condition()?;
            (
                format!("condition: {} ({})", c.text(), c.raw()),
                serde_json::json!({"condition": c.raw(), "text": c.text()}),
            )
        }
        Action::Kmask => {
            let m = ctl.kernel_mask()?;
            (
                format!("kernel mask: {}", mask_text(m, classes)),
                serde_json::json!({"success": m.am_success, "failure": m.am_failure}),
            )
        }
    };
    if json {
        writeln!(out, "{value}")
    } else {
        writeln!(out, "{text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake(u32);
    impl Auditon for Fake {
        fn auditon(&mut self, cmd: i32, b: &mut [u8]) -> io::Result<()> {
            match cmd {
                bsm_io::auditon::cmd::A_GETPOLICY => b.copy_from_slice(&self.0.to_ne_bytes()),
                bsm_io::auditon::cmd::A_SETPOLICY => {
                    self.0 = u32::from_ne_bytes([b[0], b[1], b[2], b[3]])
                }
                _ => return Err(io::Error::from_raw_os_error(78)),
            }
            Ok(())
        }
    }

    #[test]
    fn policy_changes_say_what_they_change() {
        let mut c = Control {
            k: Fake(Policy::CNT.bits()),
        };
        let (ev, cl) = (EventTable::default(), ClassTable::embedded());
        let mut out = Vec::new();
        let a = Action::Policy {
            set: Some("argv,arge".into()),
            unset: None,
        };
        run(&mut c, &a, false, &ev, cl, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "policy: cnt -> cnt,argv,arge\n"
        );
        assert_eq!(c.k.0, 0x1 | 0x4 | 0x8);
        let mut out = Vec::new();
        run(
            &mut c,
            &Action::Policy {
                set: None,
                unset: Some("cnt".into()),
            },
            true,
            &ev,
            cl,
            &mut out,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["policy"], "argv,arge");
        // A policy the kernels refuse is named before anything is asked of the kernel.
        let before = c.k.0;
        let e = run(
            &mut c,
            &Action::Policy {
                set: Some("argv,seq".into()),
                unset: None,
            },
            false,
            &ev,
            cl,
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("seq cannot be set"), "{e}");
        assert_eq!(c.k.0, before);
    }
}
