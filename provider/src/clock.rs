//! Chain time without a chain call per request: the chain's clock (the block
//! timestamp the next block will carry) sampled now and then, advanced by this
//! machine's monotonic clock in between. It never runs backwards, so a channel that
//! was too close to expiry stays refused.

use std::sync::Mutex;
use std::time::Instant;

/// The estimated chain time, in ms since the Unix epoch.
#[derive(Debug)]
pub struct ChainClock {
    state: Mutex<(u64, Instant, u64)>,
}

impl ChainClock {
    /// A clock reading `chain_now_ms` now.
    pub fn new(chain_now_ms: u64) -> Self {
        ChainClock {
            state: Mutex::new((chain_now_ms, Instant::now(), chain_now_ms)),
        }
    }

    /// Now, in chain time (ms).
    pub fn now_ms(&self) -> u64 {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (base, at, last) = *s;
        let now = base
            .saturating_add(at.elapsed().as_millis() as u64)
            .max(last);
        s.2 = now;
        now
    }

    /// A fresh sample of the chain's clock; the estimate moves forward to it (never
    /// back).
    pub fn sync(&self, chain_now_ms: u64) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let last = s.2;
        *s = (
            chain_now_ms.max(last),
            Instant::now(),
            chain_now_ms.max(last),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_moves_with_local_time_and_jumps_forward_to_samples_only() {
        let c = ChainClock::new(1_000);
        let a = c.now_ms();
        assert!(a >= 1_000);
        c.sync(5_000);
        assert!(c.now_ms() >= 5_000);
        c.sync(2_000);
        assert!(c.now_ms() >= 5_000, "never backwards");
    }
}
