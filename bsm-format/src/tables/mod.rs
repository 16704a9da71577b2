//! Reference tables: BSM errnos, socket types, protocol families, audit events and classes.
//!
//! Facts from the OpenBSM and Apple xnu sources (BSD licence). Event and class tables use the
//! text formats of `/etc/security/audit_event` and `audit_class`, so that one parser reads both
//! the embedded tables and a machine's own files.

mod generated;

use std::sync::OnceLock;

/// A BSM errno's name and BSD description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrnoInfo {
    /// The BSM errno.
    pub number: u8,
    /// Its symbolic name (`ENOENT`).
    pub name: &'static str,
    /// Its BSD description (`No such file or directory`).
    pub description: &'static str,
}

/// Looks up a BSM errno.
pub fn errno(n: u8) -> Option<ErrnoInfo> {
    generated::ERRNO
        .iter()
        .find(|e| e.0 == n)
        .map(|&(number, name, description)| ErrnoInfo {
            number,
            name,
            description,
        })
}

/// The name of a BSM socket type (`SOCK_STREAM` is 2 in BSM).
pub fn socket_type_name(n: u16) -> Option<&'static str> {
    generated::SOCKET_TYPES
        .iter()
        .find(|e| e.0 == n)
        .map(|e| e.1)
}

/// The name of a BSM protocol family (`PF_INET6` is 26 in BSM).
pub fn domain_name(n: u16) -> Option<&'static str> {
    generated::DOMAINS.iter().find(|e| e.0 == n).map(|e| e.1)
}

/// Which system's event numbering to use. They differ on 43201-43218 and 44901-44904.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Flavor {
    /// OpenBSM as FreeBSD ships it.
    FreeBsd,
    /// Apple's table plus the numbers in xnu's audit_kevents.h.
    MacOs,
}

/// One line of an audit_event table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventInfo {
    /// The event number.
    pub number: u16,
    /// Short name, e.g. `AUE_OPEN_R`.
    pub name: String,
    /// Description, e.g. `open(2) - read`.
    pub description: String,
    /// Class names, comma-separated, e.g. `fr`.
    pub classes: String,
}

/// An audit_event table. When a number is listed twice the first line wins (as in praudit).
#[derive(Debug, Clone, Default)]
pub struct EventTable {
    /// Sorted by number, one entry per number.
    by_number: Vec<EventInfo>,
    /// For each event number, its place in `by_number`: the lookup of every record is one
    /// load instead of a binary search (256 KiB per table; empty for the default table).
    index: Vec<Option<u16>>,
}

impl EventTable {
    /// Parses `number:name:description:classes` lines; `#` comments and malformed lines are skipped.
    pub fn parse(text: &str) -> EventTable {
        let mut seen = std::collections::HashSet::new();
        let mut by_number = Vec::new();
        for line in text.lines() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut f = line.splitn(4, ':');
            let (Some(num), Some(name), Some(desc)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let Ok(number) = num.trim().parse::<u16>() else {
                continue;
            };
            if !seen.insert(number) {
                continue;
            }
            by_number.push(EventInfo {
                number,
                name: name.to_string(),
                description: desc.to_string(),
                classes: f.next().unwrap_or("").to_string(),
            });
        }
        by_number.sort_by_key(|e| e.number);
        // One entry per number, so every place fits a u16.
        let mut index = vec![None; 1 << 16];
        for (i, e) in by_number.iter().enumerate() {
            index[e.number as usize] = u16::try_from(i).ok();
        }
        EventTable { by_number, index }
    }

    /// The table embedded for a flavour.
    pub fn embedded(flavor: Flavor) -> &'static EventTable {
        static FREEBSD: OnceLock<EventTable> = OnceLock::new();
        static MACOS: OnceLock<EventTable> = OnceLock::new();
        match flavor {
            Flavor::FreeBsd => {
                FREEBSD.get_or_init(|| EventTable::parse(include_str!("audit_event_openbsm.txt")))
            }
            Flavor::MacOs => {
                MACOS.get_or_init(|| EventTable::parse(include_str!("audit_event_macos.txt")))
            }
        }
    }

    /// The event with this number (the first line of the table that gives it).
    pub fn get(&self, number: u16) -> Option<&EventInfo> {
        let place = self.index.get(number as usize).copied().flatten()?;
        self.by_number.get(place as usize)
    }

    /// Finds an event by its short name (`AUE_EXECVE`), case-insensitively.
    pub fn by_name(&self, name: &str) -> Option<&EventInfo> {
        self.by_number
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
    }

    /// Every event, in number order.
    pub fn iter(&self) -> impl Iterator<Item = &EventInfo> {
        self.by_number.iter()
    }

    /// How many events the table holds.
    pub fn len(&self) -> usize {
        self.by_number.len()
    }

    /// Whether the table holds no event.
    pub fn is_empty(&self) -> bool {
        self.by_number.is_empty()
    }
}

/// One line of an audit_class table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClassInfo {
    /// The class's bit (or bits, for `all`-like classes).
    pub mask: u32,
    /// Its short name (`ex`).
    pub name: String,
    /// What it holds (`exec`).
    pub description: String,
}

/// An audit_class table.
#[derive(Debug, Clone, Default)]
pub struct ClassTable {
    /// The classes, in file order.
    pub classes: Vec<ClassInfo>,
}

impl ClassTable {
    /// Parses `mask:name:description` lines.
    pub fn parse(text: &str) -> ClassTable {
        let classes = text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let mut f = l.trim_end_matches('\r').splitn(3, ':');
                let mask = f.next()?.trim();
                let mask = u32::from_str_radix(mask.strip_prefix("0x").unwrap_or(mask), 16).ok()?;
                Some(ClassInfo {
                    mask,
                    name: f.next()?.to_string(),
                    description: f.next().unwrap_or("").to_string(),
                })
            })
            .collect();
        ClassTable { classes }
    }

    /// The macOS table built into knox (`audit_class` of macOS, with `res`).
    pub fn embedded() -> &'static ClassTable {
        static T: OnceLock<ClassTable> = OnceLock::new();
        T.get_or_init(|| ClassTable::parse(include_str!("audit_class.txt")))
    }

    /// The class with this short name.
    pub fn by_name(&self, name: &str) -> Option<&ClassInfo> {
        self.classes.iter().find(|c| c.name == name)
    }

    /// The mask of a comma-separated list of class names (unknown names are ignored).
    pub fn mask_of(&self, names: &str) -> u32 {
        names
            .split(',')
            .filter_map(|n| self.by_name(n.trim()))
            .fold(0, |m, c| m | c.mask)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_table_has_bsd_texts() {
        assert_eq!(errno(2).unwrap().name, "ENOENT");
        assert_eq!(errno(145).unwrap().description, "Operation timed out");
        assert_eq!(socket_type_name(2), Some("SOCK_STREAM"));
        assert_eq!(domain_name(26), Some("PF_INET6"));
    }

    #[test]
    fn embedded_flavours_differ_where_documented() {
        let f = EventTable::embedded(Flavor::FreeBsd);
        let m = EventTable::embedded(Flavor::MacOs);
        assert_eq!(f.get(43201).unwrap().name, "AUE_WAIT6");
        assert_eq!(m.get(43201).unwrap().name, "AUE_GETATTRLISTBULK");
        assert_eq!(f.get(23).unwrap().description, "execve(2)");
        assert_eq!(f.by_name("aue_execve").unwrap().number, 23);
    }

    #[test]
    fn lookup_by_number_finds_every_listed_event_and_no_other() {
        let t = EventTable::parse("65535:AUE_LAST:last:pc\n0:AUE_NULL:n:pc\n300:AUE_X:x:pc\n");
        for n in 0..=u16::MAX {
            let want = [0, 300, 65535].contains(&n);
            assert_eq!(t.get(n).is_some(), want, "{n}");
        }
        assert_eq!(t.get(300).unwrap().name, "AUE_X");
        assert_eq!(t.get(65535).unwrap().name, "AUE_LAST");
        assert!(EventTable::default().get(0).is_none());
        // Every number listed: the last place is 65,535.
        let all: String = (0..=u16::MAX)
            .map(|n| format!("{n}:AUE_{n}:d:pc\n"))
            .collect();
        let t = EventTable::parse(&all);
        for n in [0, 1, 40000, 65534, 65535] {
            assert_eq!(t.get(n).unwrap().name, format!("AUE_{n}"));
        }
    }

    #[test]
    fn first_line_wins_for_duplicate_numbers() {
        let t = EventTable::parse("7:AUE_A:first:pc\n7:AUE_B:second:pc\nbad line\n");
        assert_eq!(t.len(), 1);
        assert_eq!(t.get(7).unwrap().name, "AUE_A");
    }

    #[test]
    fn class_masks() {
        let c = ClassTable::embedded();
        assert_eq!(c.by_name("fr").unwrap().mask, 1);
        assert_eq!(c.mask_of("fr,fw"), 3);
    }
}

/// A preselection mask (`au_mask_t`): classes selected on success and on failure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AuMask {
    /// Classes selected when the call succeeds.
    pub success: u32,
    /// Classes selected when it fails.
    pub failure: u32,
}

impl AuMask {
    /// Whether an event of these classes, with this outcome, is selected.
    pub fn selects(&self, classes: u32, failed: bool) -> bool {
        classes & if failed { self.failure } else { self.success } != 0
    }
}

/// Parses an audit_control(5) flag string (`lo,+fr,-fw,^-fc,all`) against a class table:
/// a bare class selects success and failure, `+` success only, `-` failure only; `^` removes a
/// class (from both, or from one side with `^+` / `^-`); `all` is every class. Items apply in order.
pub fn parse_flags(text: &str, classes: &ClassTable) -> Result<AuMask, String> {
    let mut m = AuMask::default();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (remove, rest) = match item.strip_prefix('^') {
            Some(r) => (true, r),
            None => (false, item),
        };
        let (success, failure, name) = match rest.as_bytes().first() {
            Some(b'+') => (true, false, &rest[1..]),
            Some(b'-') => (false, true, &rest[1..]),
            _ => (true, true, rest),
        };
        let bits = if name == "all" {
            classes.classes.iter().fold(0, |a, c| a | c.mask)
        } else {
            classes
                .by_name(name)
                .map(|c| c.mask)
                .ok_or_else(|| format!("unknown audit class {name:?}"))?
        };
        let apply = |field: &mut u32| {
            if remove {
                *field &= !bits
            } else {
                *field |= bits
            }
        };
        if success {
            apply(&mut m.success);
        }
        if failure {
            apply(&mut m.failure);
        }
    }
    Ok(m)
}

#[cfg(test)]
mod flag_tests {
    use super::*;

    #[test]
    fn audit_control_flag_strings() {
        let c = ClassTable::embedded();
        let (fr, fw, fc, lo) = (0x1, 0x2, 0x10, 0x1000);
        assert_eq!(c.by_name("lo").unwrap().mask, lo);
        assert_eq!(
            parse_flags("pc,fr", c).unwrap().success,
            c.mask_of("pc") | fr
        );
        assert_eq!(
            parse_flags("+fr", c).unwrap(),
            AuMask {
                success: fr,
                failure: 0
            }
        );
        assert_eq!(
            parse_flags("-fr,-fw", c).unwrap(),
            AuMask {
                success: 0,
                failure: fr | fw
            }
        );
        assert_eq!(
            parse_flags("fc,^-fc", c).unwrap(),
            AuMask {
                success: fc,
                failure: 0
            }
        );
        let all = parse_flags("all", c).unwrap();
        assert_eq!(all.success, all.failure);
        assert_eq!(
            parse_flags("all,^fr", c).unwrap().success,
            all.success & !fr
        );
        assert!(parse_flags("nosuchclass", c).is_err());
        assert!(AuMask {
            success: fr,
            failure: 0
        }
        .selects(fr | fw, false));
        assert!(!AuMask {
            success: fr,
            failure: 0
        }
        .selects(fr, true));
    }
}
