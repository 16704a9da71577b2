//! The facts of every record, read on the loop's threads for the tools that follow processes
//! across records (commands, ps, tree, files, errors, net, timeline): they read the facts in
//! order, after the threads have read them.

use bsm_format::{Batch, Record};
use bytes::Bytes;
use knox_model::{Acts, Event};

use crate::read::filter::Filter;
use crate::read::pipeline::{Mapper, SourceInfo};

/// One record's facts, and whether the selection picks the record.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub ev: Event<Bytes>,
    pub selected: bool,
}

/// Reads the facts of each record of a batch.
pub struct Facts<'s> {
    acts: &'s Acts,
    filter: &'s Filter,
    out: Vec<Parsed>,
}

impl<'s> Facts<'s> {
    pub fn new(acts: &'s Acts, filter: &'s Filter) -> Facts<'s> {
        Facts {
            acts,
            filter,
            out: Vec::new(),
        }
    }
}

impl Mapper for Facts<'_> {
    type Part = Vec<Parsed>;

    fn record(
        &mut self,
        _: &SourceInfo,
        batch: &Batch,
        rec: &Record<'_>,
    ) -> Option<bsm_format::Error> {
        let ev = match Event::parse(rec, self.acts) {
            Ok(Some(ev)) => ev,
            // A trail's file token: no event.
            Ok(None) => return None,
            Err(e) => return Some(e),
        };
        let error = ev.error.clone();
        let selected = self.filter.matches(rec);
        let ev = ev.with_bytes(|b| {
            batch
                .shared(rec)
                .unwrap_or_else(|| Bytes::copy_from_slice(b))
        });
        self.out.push(Parsed { ev, selected });
        error
    }

    fn take(&mut self) -> Vec<Parsed> {
        std::mem::take(&mut self.out)
    }
}
