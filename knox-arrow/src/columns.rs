//! Small helpers shared by the tables' builders.

use std::borrow::Cow;
use std::sync::Arc;

use arrow_array::builder::Date32Builder;
use arrow_array::{ArrayRef, Date32Array, StringArray};

/// Text for a column: the bytes when they are UTF-8, else with the bad bytes replaced (the
/// tokens table keeps every byte, in its `_base64` columns).
pub(crate) fn lossy(b: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// A time in milliseconds since the epoch.
pub(crate) fn millis(t: bsm_format::Time) -> i64 {
    t.sec
        .saturating_mul(1000)
        .saturating_add(t.msec)
        .min(i64::MAX as u64) as i64
}

/// The UTC day of a time, in days since the epoch.
pub(crate) fn day(t: bsm_format::Time) -> i32 {
    (t.sec / 86_400).min(i32::MAX as u64) as i32
}

/// The rows' days, as the loop's threads note them.
#[derive(Default)]
pub(crate) struct Days(Date32Builder);

impl Days {
    pub(crate) fn with_capacity(rows: usize) -> Days {
        Days(Date32Builder::with_capacity(rows))
    }

    pub(crate) fn push(&mut self, t: bsm_format::Time) {
        self.0.append_value(day(t));
    }

    pub(crate) fn finish(&mut self) -> Date32Array {
        self.0.finish()
    }
}

/// The place columns of `n` rows from one source: its host (the same for every row), and each
/// row's day.
pub(crate) fn place(host: Option<&str>, days: Date32Array) -> [ArrayRef; 2] {
    let n = days.len();
    let host: StringArray = match host {
        Some(h) => std::iter::repeat_n(Some(h), n).collect(),
        None => std::iter::repeat_n(None::<&str>, n).collect(),
    };
    [Arc::new(host), Arc::new(days)]
}
