//! `knox auditreduce`: select records and write them out raw, byte for byte, so that the output
//! pipes into `praudit` or `knox praudit`.

use bsm_format::{Batch, Record, RecordKind};

use crate::read::filter::Filter;
use crate::read::pipeline::{Mapper, SourceInfo};

/// Copies the selected records of each batch. File tokens between records are dropped, as
/// auditreduce does.
pub struct Select<'s> {
    filter: &'s Filter,
    out: Vec<u8>,
}

impl<'s> Select<'s> {
    pub fn new(filter: &'s Filter) -> Select<'s> {
        Select {
            filter,
            out: Vec::new(),
        }
    }
}

impl Mapper for Select<'_> {
    type Part = Vec<u8>;

    fn record(&mut self, _: &SourceInfo, _: &Batch, rec: &Record<'_>) -> Option<bsm_format::Error> {
        if rec.kind() != RecordKind::File && self.filter.matches(rec) {
            self.out.extend_from_slice(rec.bytes());
        }
        // Records are copied as they are; their damage is still reported.
        rec.tokens().find_map(Result::err)
    }

    fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }
}
