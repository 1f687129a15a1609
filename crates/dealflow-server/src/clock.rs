//! The one place that reads the time, so tests can fix it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::Timestamp;

#[derive(Clone)]
pub enum Clock {
    System,
    /// A clock tests move by hand (unix milliseconds).
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn manual(at: Timestamp) -> Clock {
        Clock::Manual(Arc::new(AtomicI64::new(at.as_millisecond())))
    }

    #[allow(clippy::disallowed_methods, reason = "the clock is the one place allowed to read the time")]
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Manual(ms) => Timestamp::from_millisecond(ms.load(Ordering::SeqCst)).expect("manual clock holds a valid instant"),
        }
    }

    /// A manual clock set to the present, for a server under a browser test that moves time.
    pub fn manual_from_now() -> Clock {
        Clock::manual(Clock::System.now())
    }

    pub fn is_manual(&self) -> bool {
        matches!(self, Clock::Manual(_))
    }

    /// Moves a manual clock forward; the system clock moves by itself.
    pub fn advance(&self, by: jiff::SignedDuration) {
        if let Clock::Manual(ms) = self {
            ms.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
        }
    }
}
