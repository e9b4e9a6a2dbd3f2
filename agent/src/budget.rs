//! The budget policy: a per-call price limit, a total cap, a per-service cap and caps
//! per time window (total or per service). A call the policy does not allow is refused
//! **before** anything is signed, with a [`BudgetError`] the caller can match; spend is
//! counted when the gateway's receipt says what a call was charged, and calls in
//! flight count as spent until their receipt arrives, so concurrent calls cannot
//! overshoot a cap together.

use crate::store::SpendRecord;
use gb_chain::{Balance, Timestamp};
use gb_interfaces::ServiceId;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};

/// A cap over a sliding time window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowCap {
    /// The window's length (ms), e.g. 3 600 000 for "per hour".
    pub window_ms: u64,
    /// The most that may be spent within any such window.
    pub cap: Balance,
    /// True: the cap holds per service; false: for all services together.
    pub per_service: bool,
}

/// What the agent may spend. `None` means no limit of that kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetPolicy {
    /// The highest price per call the agent pays.
    pub max_price_per_call: Option<Balance>,
    /// The most the agent spends in all, over its store's life.
    pub total: Option<Balance>,
    /// The most the agent spends on one service.
    pub per_service: Option<Balance>,
    /// Caps per time window.
    pub windows: Vec<WindowCap>,
}

/// Why the budget refused a call. Nothing was signed or sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BudgetError {
    #[error("service {service_id} costs {price} per call, above the per-call maximum {max}")]
    PriceAboveMax {
        service_id: ServiceId,
        #[serde(with = "gb_interfaces::serde_fmt::decimal")]
        price: Balance,
        #[serde(with = "gb_interfaces::serde_fmt::decimal")]
        max: Balance,
    },
    #[error("total budget: {spent} spent + {price} would exceed the cap {cap}")]
    Total {
        #[serde(with = "gb_interfaces::serde_fmt::decimal")]
        spent: Balance,
        #[serde(with = "gb_interfaces::serde_fmt::decimal")]
        price: Balance,
        #[serde(with = "gb_interfaces::serde_fmt::decimal")]
        cap: Balance,
    },
    #[error("budget of service {service_id}: {spent} spent + {price} would exceed the cap {cap}")]
    Service {
        service_id: ServiceId,
        #[serde(with = "gb_interfaces::serde_fmt::decimal")]
        spent: Balance,
        #[serde(with = "gb_interfaces::serde_fmt::decimal")]
        price: Balance,
        #[serde(with = "gb_interfaces::serde_fmt::decimal")]
        cap: Balance,
    },
    #[error(
        "{} budget per {} s: {spent} spent in the window + {price} would exceed the cap {cap}",
        if .service_id.is_some() { "service" } else { "total" }, .window_ms / 1000
    )]
    Window {
        window_ms: u64,
        service_id: Option<ServiceId>,
        #[serde(with = "gb_interfaces::serde_fmt::decimal")]
        spent: Balance,
        #[serde(with = "gb_interfaces::serde_fmt::decimal")]
        price: Balance,
        #[serde(with = "gb_interfaces::serde_fmt::decimal")]
        cap: Balance,
    },
}

/// A call the budget let through: its price counts as spent until settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    pub service_id: ServiceId,
    pub amount: Balance,
}

/// Spend so far, for `gb balance`, the MCP `spend` tool and reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SpendReport {
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub total: Balance,
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub in_flight: Balance,
    /// (service id, spent), by service id.
    pub per_service: Vec<ServiceSpend>,
    /// (window, spent in it now, cap), one per window cap (total ones only).
    pub windows: Vec<WindowSpend>,
    pub policy: BudgetPolicy,
}

/// Spend on one service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceSpend {
    pub service_id: ServiceId,
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub spent: Balance,
}

/// Spend within one window cap now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WindowSpend {
    pub window_ms: u64,
    pub per_service: bool,
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub spent: Balance,
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub cap: Balance,
}

/// The budget's books: totals, the log of recent spend (as long as the longest window)
/// and what is in flight.
#[derive(Debug, Default)]
pub struct Budget {
    policy: BudgetPolicy,
    total: Balance,
    per_service: HashMap<ServiceId, Balance>,
    recent: VecDeque<(Timestamp, ServiceId, Balance)>,
    in_flight: Balance,
    in_flight_per_service: HashMap<ServiceId, Balance>,
}

impl Budget {
    /// Empty books under `policy`.
    pub fn new(policy: BudgetPolicy) -> Self {
        Budget {
            policy,
            ..Budget::default()
        }
    }

    /// Books rebuilt from the store's spend log, plus, per channel, spend the log may
    /// have lost in a crash: `unlogged` (ceiling − logged spend of each channel, the
    /// most its gateway can have charged beyond the log) counts as spent at `now`.
    pub fn restore(
        policy: BudgetPolicy,
        log: &[SpendRecord],
        unlogged: &[(ServiceId, Balance)],
        now: Timestamp,
    ) -> Self {
        let mut b = Budget::new(policy);
        for r in log {
            b.add(r.ts_ms, r.service_id, r.amount);
        }
        for (service, amount) in unlogged {
            if *amount > 0 {
                b.add(now, *service, *amount);
            }
        }
        b.prune(now);
        b
    }

    pub fn policy(&self) -> &BudgetPolicy {
        &self.policy
    }

    fn longest_window(&self) -> u64 {
        self.policy
            .windows
            .iter()
            .map(|w| w.window_ms)
            .max()
            .unwrap_or(0)
    }

    fn prune(&mut self, now: Timestamp) {
        let keep = self.longest_window();
        while let Some((ts, _, _)) = self.recent.front() {
            if now.saturating_sub(*ts) >= keep {
                self.recent.pop_front();
            } else {
                break;
            }
        }
    }

    fn add(&mut self, ts: Timestamp, service: ServiceId, amount: Balance) {
        self.total = self.total.saturating_add(amount);
        let s = self.per_service.entry(service).or_default();
        *s = s.saturating_add(amount);
        self.recent.push_back((ts, service, amount));
    }

    fn in_window(&self, now: Timestamp, window_ms: u64, service: Option<ServiceId>) -> Balance {
        self.recent
            .iter()
            .filter(|(ts, s, _)| {
                now.saturating_sub(*ts) < window_ms && service.is_none_or(|x| x == *s)
            })
            .fold(0, |a, (_, _, v)| a.saturating_add(*v))
    }

    /// Lets a call of `price` to `service` through (reserving it), or says which cap
    /// refuses it.
    pub fn reserve(
        &mut self,
        service: ServiceId,
        price: Balance,
        now: Timestamp,
    ) -> Result<Reservation, BudgetError> {
        self.prune(now);
        let p = &self.policy;
        if let Some(max) = p.max_price_per_call {
            if price > max {
                return Err(BudgetError::PriceAboveMax {
                    service_id: service,
                    price,
                    max,
                });
            }
        }
        let flying_service = self
            .in_flight_per_service
            .get(&service)
            .copied()
            .unwrap_or(0);
        if let Some(cap) = p.total {
            let spent = self.total.saturating_add(self.in_flight);
            if spent.saturating_add(price) > cap {
                return Err(BudgetError::Total { spent, price, cap });
            }
        }
        if let Some(cap) = p.per_service {
            let spent = self
                .per_service
                .get(&service)
                .copied()
                .unwrap_or(0)
                .saturating_add(flying_service);
            if spent.saturating_add(price) > cap {
                return Err(BudgetError::Service {
                    service_id: service,
                    spent,
                    price,
                    cap,
                });
            }
        }
        for w in &p.windows {
            let (scope, flying) = if w.per_service {
                (Some(service), flying_service)
            } else {
                (None, self.in_flight)
            };
            let spent = self
                .in_window(now, w.window_ms, scope)
                .saturating_add(flying);
            if spent.saturating_add(price) > w.cap {
                return Err(BudgetError::Window {
                    window_ms: w.window_ms,
                    service_id: scope,
                    spent,
                    price,
                    cap: w.cap,
                });
            }
        }
        self.in_flight = self.in_flight.saturating_add(price);
        let f = self.in_flight_per_service.entry(service).or_default();
        *f = f.saturating_add(price);
        Ok(Reservation {
            service_id: service,
            amount: price,
        })
    }

    fn unreserve(&mut self, r: Reservation) {
        self.in_flight = self.in_flight.saturating_sub(r.amount);
        if let Some(f) = self.in_flight_per_service.get_mut(&r.service_id) {
            *f = f.saturating_sub(r.amount);
        }
    }

    /// The call was charged `charged` (its receipt says so): spent from now on.
    pub fn settle(&mut self, r: Reservation, charged: Balance, now: Timestamp) {
        self.unreserve(r);
        if charged > 0 {
            self.add(now, r.service_id, charged);
        }
    }

    /// The call was not charged (refused before payment, or nothing was sent).
    pub fn release(&mut self, r: Reservation) {
        self.unreserve(r);
    }

    /// Spend so far.
    pub fn report(&mut self, now: Timestamp) -> SpendReport {
        self.prune(now);
        let mut per_service: Vec<ServiceSpend> = self
            .per_service
            .iter()
            .map(|(s, v)| ServiceSpend {
                service_id: *s,
                spent: *v,
            })
            .collect();
        per_service.sort_by_key(|s| s.service_id);
        let windows = self
            .policy
            .windows
            .iter()
            .filter(|w| !w.per_service)
            .map(|w| WindowSpend {
                window_ms: w.window_ms,
                per_service: false,
                spent: self.in_window(now, w.window_ms, None),
                cap: w.cap,
            })
            .collect();
        SpendReport {
            total: self.total,
            in_flight: self.in_flight,
            per_service,
            windows,
            policy: self.policy.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: u64 = 3_600_000;

    #[test]
    fn a_price_above_the_per_call_maximum_is_refused() {
        let mut b = Budget::new(BudgetPolicy {
            max_price_per_call: Some(10),
            ..Default::default()
        });
        assert_eq!(
            b.reserve(1, 11, 0),
            Err(BudgetError::PriceAboveMax {
                service_id: 1,
                price: 11,
                max: 10
            })
        );
        assert!(b.reserve(1, 10, 0).is_ok());
    }

    #[test]
    fn the_total_cap_counts_spend_and_calls_in_flight() {
        let mut b = Budget::new(BudgetPolicy {
            total: Some(25),
            ..Default::default()
        });
        let r1 = b.reserve(1, 10, 0).unwrap();
        let r2 = b.reserve(2, 10, 0).unwrap();
        // 20 in flight: a third call of 10 would make 30.
        assert_eq!(
            b.reserve(3, 10, 0),
            Err(BudgetError::Total {
                spent: 20,
                price: 10,
                cap: 25
            })
        );
        b.settle(r1, 10, 0);
        b.release(r2);
        assert!(
            b.reserve(3, 10, 0).is_ok(),
            "a released call frees its share"
        );
        assert_eq!(b.report(0).total, 10);
    }

    #[test]
    fn the_per_service_cap_holds_per_service() {
        let mut b = Budget::new(BudgetPolicy {
            per_service: Some(15),
            ..Default::default()
        });
        let r = b.reserve(1, 10, 0).unwrap();
        b.settle(r, 10, 0);
        assert!(matches!(
            b.reserve(1, 10, 0),
            Err(BudgetError::Service {
                service_id: 1,
                spent: 10,
                ..
            })
        ));
        assert!(b.reserve(2, 10, 0).is_ok());
    }

    #[test]
    fn a_window_cap_frees_up_as_the_window_slides() {
        let mut b = Budget::new(BudgetPolicy {
            windows: vec![WindowCap {
                window_ms: HOUR,
                cap: 20,
                per_service: false,
            }],
            ..Default::default()
        });
        for t in [0, 10] {
            let r = b.reserve(1, 10, t).unwrap();
            b.settle(r, 10, t);
        }
        let refused = b.reserve(2, 10, HOUR - 1).unwrap_err();
        assert_eq!(
            refused,
            BudgetError::Window {
                window_ms: HOUR,
                service_id: None,
                spent: 20,
                price: 10,
                cap: 20
            }
        );
        assert!(
            refused.to_string().starts_with("total budget per 3600 s"),
            "{refused}"
        );
        // The first charge leaves the window at HOUR.
        assert!(b.reserve(2, 10, HOUR).is_ok());
    }

    #[test]
    fn a_per_service_window_does_not_bind_other_services() {
        let mut b = Budget::new(BudgetPolicy {
            windows: vec![WindowCap {
                window_ms: HOUR,
                cap: 10,
                per_service: true,
            }],
            ..Default::default()
        });
        let r = b.reserve(1, 10, 0).unwrap();
        b.settle(r, 10, 0);
        assert!(matches!(
            b.reserve(1, 1, 5),
            Err(BudgetError::Window {
                service_id: Some(1),
                ..
            })
        ));
        assert!(b.reserve(2, 10, 5).is_ok());
    }

    #[test]
    fn restored_books_count_the_log_and_what_a_crash_may_have_lost() {
        let policy = BudgetPolicy {
            total: Some(100),
            ..Default::default()
        };
        let log = [SpendRecord {
            ts_ms: 1,
            service_id: 1,
            channel_id: 1,
            amount: 40,
        }];
        let mut b = Budget::restore(policy, &log, &[(1, 30)], 2);
        assert_eq!(b.report(2).total, 70);
        assert!(matches!(
            b.reserve(1, 31, 2),
            Err(BudgetError::Total { spent: 70, .. })
        ));
        assert!(b.reserve(1, 30, 2).is_ok());
    }

    #[test]
    fn a_replayed_call_charged_nothing_spends_nothing() {
        let mut b = Budget::new(BudgetPolicy::default());
        let r = b.reserve(1, 10, 0).unwrap();
        b.settle(r, 0, 0);
        assert_eq!(b.report(0).total, 0);
        assert_eq!(b.report(0).in_flight, 0);
    }
}
