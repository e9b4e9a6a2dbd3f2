//! Ordering of ranked discovery, kept pure so it is tested without a chain (the
//! off-chain test environment cannot run the cross-contract call that fetches scores).

use crate::types::RankedEntry;
use core::cmp::Reverse;
use gb_interfaces::Ppm;
use ink::prelude::vec::Vec;

/// Gives `entries[i]` the score `scores[i]` (0 when the oracle is absent, failed, or
/// returned fewer scores) and sorts best first: score descending, then price
/// ascending, then service id ascending (ids are unique, so the order is total).
pub fn rank(mut entries: Vec<RankedEntry>, scores: Option<Vec<Ppm>>) -> Vec<RankedEntry> {
    let scores = scores.unwrap_or_default();
    for (i, entry) in entries.iter_mut().enumerate() {
        entry.score = scores.get(i).copied().unwrap_or(0);
    }
    entries.sort_unstable_by_key(|e| (Reverse(e.score), e.price, e.service_id));
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use gb_interfaces::{AccountId, Balance, ServiceId};
    use ink::prelude::{string::String, vec};

    fn entry(service_id: ServiceId, price: Balance) -> RankedEntry {
        RankedEntry {
            service_id,
            price,
            score: 0,
            payee: AccountId::from([service_id as u8; 32]),
            endpoint: String::from("https://x"),
        }
    }

    fn order(entries: &[RankedEntry]) -> Vec<(ServiceId, Ppm)> {
        entries.iter().map(|e| (e.service_id, e.score)).collect()
    }

    #[test]
    fn higher_score_first() {
        let ranked = rank(
            vec![entry(1, 10), entry(2, 10), entry(3, 10)],
            Some(vec![100, 300, 200]),
        );
        assert_eq!(order(&ranked), vec![(2, 300), (3, 200), (1, 100)]);
    }

    #[test]
    fn ties_by_lower_price_then_lower_id() {
        let ranked = rank(
            vec![entry(1, 30), entry(2, 10), entry(3, 20), entry(4, 10)],
            Some(vec![500, 500, 500, 900]),
        );
        assert_eq!(order(&ranked), vec![(4, 900), (2, 500), (3, 500), (1, 500)]);
        assert_eq!(ranked[1].price, 10);
        assert_eq!(ranked[2].price, 20);
        let same = rank(vec![entry(7, 5), entry(3, 5)], Some(vec![1, 1]));
        assert_eq!(order(&same), vec![(3, 1), (7, 1)]);
    }

    #[test]
    fn no_oracle_ranks_by_price() {
        let ranked = rank(vec![entry(1, 30), entry(2, 10), entry(3, 20)], None);
        assert_eq!(order(&ranked), vec![(2, 0), (3, 0), (1, 0)]);
    }

    #[test]
    fn short_score_list_scores_the_rest_zero() {
        let ranked = rank(vec![entry(1, 10), entry(2, 10)], Some(vec![7]));
        assert_eq!(order(&ranked), vec![(1, 7), (2, 0)]);
        let extra = rank(vec![entry(1, 10)], Some(vec![1, 2, 3]));
        assert_eq!(order(&extra), vec![(1, 1)]);
    }

    #[test]
    fn empty_stays_empty() {
        assert!(rank(Vec::new(), Some(vec![1, 2])).is_empty());
    }
}
