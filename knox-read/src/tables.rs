//! Which tables name events and classes: the source machine's audit_event and audit_class
//! files when given, else an embedded table, else this machine's files.

use std::path::PathBuf;

use bsm_format::tables::{ClassTable, EventTable, Flavor};

/// The machine's own event table, used when it exists.
pub const SYSTEM_EVENTS: &str = "/etc/security/audit_event";

/// The machine's own class table, used when it exists.
pub const SYSTEM_CLASSES: &str = "/etc/security/audit_class";

/// Where the tables come from, as the user gave them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableFiles {
    /// The source machine's /etc/security/audit_event.
    pub events: Option<PathBuf>,
    /// The embedded event table to use.
    pub flavor: Option<Flavor>,
    /// The source machine's /etc/security/audit_class.
    pub classes: Option<PathBuf>,
}

/// A flavor by name: macos (darwin, apple) or freebsd (openbsm).
pub fn parse_flavor(s: &str) -> Result<Flavor, String> {
    match s.to_ascii_lowercase().as_str() {
        "macos" | "darwin" | "apple" => Ok(Flavor::MacOs),
        "freebsd" | "openbsm" => Ok(Flavor::FreeBsd),
        _ => Err(format!("unknown flavor {s:?}: use macos or freebsd")),
    }
}

/// Where the event names come from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventSource {
    File(PathBuf),
    Embedded(Flavor),
}

impl TableFiles {
    /// The class table: the file given, else this machine's, else the embedded one.
    pub fn load_classes(&self) -> std::io::Result<ClassTable> {
        if let Some(p) = &self.classes {
            return Ok(ClassTable::parse(&String::from_utf8_lossy(&std::fs::read(
                p,
            )?)));
        }
        if let Ok(text) = std::fs::read(SYSTEM_CLASSES) {
            return Ok(ClassTable::parse(&String::from_utf8_lossy(&text)));
        }
        Ok(ClassTable::embedded().clone())
    }

    /// The event table: the file given, else the embedded table of the flavor given, else this
    /// machine's, else the embedded macOS table.
    pub fn load(&self) -> std::io::Result<(EventTable, EventSource)> {
        if let Some(p) = &self.events {
            let text = std::fs::read(p)?;
            return Ok((
                EventTable::parse(&String::from_utf8_lossy(&text)),
                EventSource::File(p.clone()),
            ));
        }
        if let Some(f) = self.flavor {
            return Ok((EventTable::embedded(f).clone(), EventSource::Embedded(f)));
        }
        if let Ok(text) = std::fs::read(SYSTEM_EVENTS) {
            return Ok((
                EventTable::parse(&String::from_utf8_lossy(&text)),
                EventSource::File(PathBuf::from(SYSTEM_EVENTS)),
            ));
        }
        Ok((
            EventTable::embedded(Flavor::MacOs).clone(),
            EventSource::Embedded(Flavor::MacOs),
        ))
    }
}

/// An event named on the command line: a number, or a name in any case with or without `AUE_`
/// (`execve`, `AUE_EXECVE`, `aue_execve`). An unknown name gets the nearest names suggested.
pub fn event_number(events: &EventTable, text: &str) -> Result<u16, String> {
    if let Ok(n) = text.parse::<u16>() {
        return Ok(n);
    }
    let bare = |n: &str| {
        let l = n.to_ascii_lowercase();
        l.strip_prefix("aue_").map(str::to_string).unwrap_or(l)
    };
    let want = bare(text);
    if let Some(e) = events.iter().find(|e| bare(&e.name) == want) {
        return Ok(e.number);
    }
    let mut near: Vec<(usize, &str)> = events
        .iter()
        .map(|e| (distance(&bare(&e.name), &want), e.name.as_str()))
        .filter(|(d, _)| *d <= 2.max(want.len() / 3))
        .collect();
    near.sort();
    near.dedup_by(|a, b| a.1 == b.1);
    let names: Vec<&str> = near.iter().take(3).map(|(_, n)| *n).collect();
    Err(if names.is_empty() {
        format!("unknown event {text:?}")
    } else {
        format!(
            "unknown event {text:?} (did you mean {}?)",
            names.join(", ")
        )
    })
}

/// Edit distance (insertions, deletions, substitutions), for suggestions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_found_in_any_case_with_or_without_aue_and_misses_get_suggestions() {
        let t = EventTable::embedded(Flavor::MacOs);
        for name in ["execve", "AUE_EXECVE", "aue_execve", "Execve", "23"] {
            assert_eq!(event_number(t, name), Ok(23), "{name}");
        }
        assert_eq!(event_number(t, "open_r"), Ok(72));
        let e = event_number(t, "exceve").unwrap_err();
        assert!(e.contains("did you mean AUE_EXECVE"), "{e}");
        let e = event_number(t, "nothing_like_it_at_all").unwrap_err();
        assert_eq!(e, "unknown event \"nothing_like_it_at_all\"");
    }
}
