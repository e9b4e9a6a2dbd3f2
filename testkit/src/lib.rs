//! # gb-testkit: what the three contracts' tests share
//!
//! A dev-dependency of registry, escrow and reputation (and of the drink suite, for
//! [`topic_of`]), in the manner of PSP22's `testing.rs`: accounts, callers, the events
//! a test recorded, and **topic checks** — an event's topics are part of its ABI (an
//! indexer filters by them), so tests check them, not only the data.
//!
//! * [`acc`]: account `n` (`[n; 32]`); [`accounts`]: ink's default accounts.
//! * [`set_caller`], [`set_now`]: the off-chain environment's caller and clock.
//! * [`events`], [`last_event`], [`nth_last_event`]: what the contract emitted.
//! * [`topic_of`], [`assert_topics`]: an event's topics as ink! 5 computes them.

use ink::env::test::{self, DefaultAccounts, EmittedEvent};
use ink::env::DefaultEnvironment as Env;
use ink::primitives::AccountId;

/// Account number `n`: 32 bytes of `n`.
pub fn acc(n: u8) -> AccountId {
    AccountId::from([n; 32])
}

/// ink!'s default test accounts (alice, bob, charlie, django, eve, frank).
pub fn accounts() -> DefaultAccounts<Env> {
    test::default_accounts::<Env>()
}

/// The caller of the next message.
pub fn set_caller(who: AccountId) {
    test::set_caller::<Env>(who);
}

/// The block timestamp (ms) the next message sees.
pub fn set_now(ms: u64) {
    test::set_block_timestamp::<Env>(ms);
}

/// Every event emitted so far in this test.
pub fn events() -> Vec<EmittedEvent> {
    test::recorded_events().collect()
}

/// The `n`-th emitted event from the end (0: the last).
pub fn nth_last(n: usize) -> EmittedEvent {
    let all = events();
    let index = all.len().checked_sub(n + 1).unwrap_or_else(|| {
        panic!(
            "{} events emitted, asked for the {n}-th from the end",
            all.len()
        )
    });
    all[index].clone()
}

/// The data of the `n`-th emitted event from the end (0: the last), decoded as `T`.
pub fn nth_last_event<T: scale::Decode>(n: usize) -> T {
    let e = nth_last(n);
    T::decode(&mut &e.data[..]).unwrap_or_else(|err| {
        panic!(
            "event {n} from the end is not a {}: {err}",
            std::any::type_name::<T>()
        )
    })
}

/// The data of the last emitted event, decoded as `T`.
pub fn last_event<T: scale::Decode>() -> T {
    nth_last_event(0)
}

/// The topic ink! 5 derives from a `#[ink(topic)]` field's value (on chain and off):
/// its SCALE encoding, zero-padded to 32 bytes, or the BLAKE2-256 hash of the encoding
/// when that is longer than 32 bytes.
pub fn topic_of<T: scale::Encode>(value: &T) -> [u8; 32] {
    let encoded = value.encode();
    let mut topic = [0u8; 32];
    if encoded.len() <= 32 {
        topic[..encoded.len()].copy_from_slice(&encoded);
    } else {
        ink::env::hash_bytes::<ink::env::hash::Blake2x256>(&encoded, &mut topic);
    }
    topic
}

/// The topics an event of type `E` with these topic fields (each [`topic_of`] its
/// value, in declaration order) has: its signature topic first, unless anonymous.
pub fn expected_topics<E: ink::env::Event>(fields: &[[u8; 32]]) -> Vec<[u8; 32]> {
    E::SIGNATURE_TOPIC
        .into_iter()
        .chain(fields.iter().copied())
        .collect()
}

/// Asserts that `event` is an `E` (its signature topic) with exactly these topic
/// fields, in order.
pub fn assert_topics<E: ink::env::Event>(event: &EmittedEvent, fields: &[[u8; 32]]) {
    let got: Vec<Vec<u8>> = event.topics.clone();
    let want: Vec<Vec<u8>> = expected_topics::<E>(fields)
        .into_iter()
        .map(|t| t.to_vec())
        .collect();
    assert_eq!(
        got,
        want,
        "topics of {} (signature first, then the topic fields)",
        std::any::type_name::<E>()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_padded_long_ones_hashed() {
        let t = topic_of(&7u64);
        assert_eq!(&t[..8], &7u64.to_le_bytes());
        assert_eq!(&t[8..], &[0u8; 24]);
        let account = acc(9);
        assert_eq!(topic_of(&account), [9u8; 32]);
        let long = [1u8; 40];
        let mut hash = [0u8; 32];
        ink::env::hash_bytes::<ink::env::hash::Blake2x256>(
            &scale::Encode::encode(&long),
            &mut hash,
        );
        assert_eq!(topic_of(&long), hash);
    }
}
