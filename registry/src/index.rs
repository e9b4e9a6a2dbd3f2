//! Paginated sets of service ids: one per organization, one per tag, and one per tag of
//! its active (listed) services only.
//!
//! Positions `0..len` of a key hold its ids densely: insert appends, remove moves the
//! last id into the hole (swap-remove), so every write is O(1) and a page is a cursor
//! (a position) plus at most [`MAX_PAGE`] reads. Removal changes one other id's
//! position, so a listing that spans writes may skip or repeat one entry per removal.
//!
//! Org, tag and active-tag sets live in the same three mappings, told apart by
//! [`IndexKey`]: ink! 5
//! derives a nested mapping's storage key from its struct and field names only, so two
//! fields of one index type would share storage. Keys must be validated slugs (at most
//! 32 bytes): storage keys stay far below pallet-contracts' 128-byte limit.

use crate::errors::{Error, Result};
use crate::types::MAX_PAGE;
use gb_interfaces::ServiceId;
use ink::prelude::{string::String, vec::Vec};
use ink::storage::Mapping;

/// Which set: the services of an organization, of a tag, or the active ones of a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKey<'a> {
    /// Services of the organization with this id.
    Org(&'a str),
    /// Services carrying this tag (delisted ones included).
    Tag(&'a str),
    /// Active (listed) services carrying this tag: what ranked discovery pages over, so
    /// delisted services hold no ranking positions (security review L7).
    Active(&'a str),
}

impl<'a> IndexKey<'a> {
    fn raw(self) -> (u8, &'a str) {
        match self {
            IndexKey::Org(k) => (0, k),
            IndexKey::Tag(k) => (1, k),
            IndexKey::Active(k) => (2, k),
        }
    }

    /// The organization id or tag the set belongs to.
    pub fn name(self) -> &'a str {
        self.raw().1
    }
}

/// (kind, key): one set.
type SetKey = (u8, String);
/// (kind, key, position): one slot of a set.
type SlotKey = (u8, String, u32);
/// (kind, key, service id): one member of a set.
type MemberKey = (u8, String, ServiceId);

/// Service ids grouped by org and by tag, with O(1) insert/remove and cursor pages.
#[ink::storage_item]
#[derive(Debug, Default)]
pub struct ServiceIndex {
    /// Number of ids under a key.
    len: Mapping<SetKey, u32>,
    /// (key, position) -> id.
    at: Mapping<SlotKey, ServiceId>,
    /// (key, id) -> position, to remove in O(1).
    pos: Mapping<MemberKey, u32>,
}

/// The effective page size for a requested `limit`: 0 or above [`MAX_PAGE`] means
/// `MAX_PAGE`.
pub fn page_size(limit: u32) -> u32 {
    if limit == 0 || limit > MAX_PAGE {
        MAX_PAGE
    } else {
        limit
    }
}

impl ServiceIndex {
    /// Number of ids under `key`.
    pub fn len(&self, key: IndexKey) -> u32 {
        self.len.get(key.raw()).unwrap_or(0)
    }

    /// True if `id` is under `key`.
    pub fn contains(&self, key: IndexKey, id: ServiceId) -> bool {
        let (kind, k) = key.raw();
        self.pos.contains((kind, k, id))
    }

    /// Adds `id` under `key` (no-op if present). Fails only if the count would overflow.
    pub fn insert(&mut self, key: IndexKey, id: ServiceId) -> Result<()> {
        if self.contains(key, id) {
            return Ok(());
        }
        let n = self.len(key);
        let new_len = n.checked_add(1).ok_or(Error::Overflow)?;
        let (kind, k) = key.raw();
        self.at.insert((kind, k, n), &id);
        self.pos.insert((kind, k, id), &n);
        self.len.insert((kind, k), &new_len);
        Ok(())
    }

    /// Removes `id` from `key` (no-op if absent), moving the last id into its place.
    pub fn remove(&mut self, key: IndexKey, id: ServiceId) {
        let (kind, k) = key.raw();
        let Some(p) = self.pos.take((kind, k, id)) else {
            return;
        };
        // `pos` held an entry, so len >= 1 and `last` does not saturate.
        let last = self.len(key).saturating_sub(1);
        if p != last {
            if let Some(moved) = self.at.get((kind, k, last)) {
                self.at.insert((kind, k, p), &moved);
                self.pos.insert((kind, k, moved), &p);
            }
        }
        self.at.remove((kind, k, last));
        if last == 0 {
            self.len.remove((kind, k));
        } else {
            self.len.insert((kind, k), &last);
        }
    }

    /// Ids at positions `cursor..cursor + page_size(limit)` and the next cursor
    /// (`None` when the page reaches the end).
    pub fn page(&self, key: IndexKey, cursor: u32, limit: u32) -> (Vec<ServiceId>, Option<u32>) {
        let (kind, k) = key.raw();
        let len = self.len(key);
        let end = cursor.saturating_add(page_size(limit)).min(len);
        let ids = (cursor..end)
            .filter_map(|p| self.at.get((kind, k, p)))
            .collect();
        let next = if end < len { Some(end) } else { None };
        (ids, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ink::prelude::vec;

    const K: IndexKey = IndexKey::Tag("k");

    fn all(ix: &ServiceIndex, key: IndexKey) -> Vec<ServiceId> {
        let mut out = Vec::new();
        let mut cursor = Some(0);
        while let Some(c) = cursor {
            let (ids, next) = ix.page(key, c, 2);
            out.extend(ids);
            cursor = next;
        }
        out
    }

    #[ink::test]
    fn page_size_clamps() {
        assert_eq!(page_size(0), MAX_PAGE);
        assert_eq!(page_size(1), 1);
        assert_eq!(page_size(MAX_PAGE), MAX_PAGE);
        assert_eq!(page_size(MAX_PAGE + 1), MAX_PAGE);
        assert_eq!(page_size(u32::MAX), MAX_PAGE);
    }

    #[ink::test]
    fn insert_is_idempotent_and_keys_are_separate() {
        let mut ix = ServiceIndex::default();
        ix.insert(IndexKey::Tag("a"), 1).unwrap();
        ix.insert(IndexKey::Tag("a"), 1).unwrap();
        ix.insert(IndexKey::Tag("b"), 2).unwrap();
        assert_eq!(ix.len(IndexKey::Tag("a")), 1);
        assert_eq!(ix.len(IndexKey::Tag("b")), 1);
        assert!(ix.contains(IndexKey::Tag("a"), 1));
        assert!(!ix.contains(IndexKey::Tag("a"), 2));
        assert_eq!(ix.len(IndexKey::Tag("none")), 0);
    }

    #[ink::test]
    fn org_and_tag_sets_of_the_same_name_are_separate() {
        let mut ix = ServiceIndex::default();
        ix.insert(IndexKey::Org("x"), 1).unwrap();
        ix.insert(IndexKey::Tag("x"), 2).unwrap();
        ix.insert(IndexKey::Tag("x"), 3).unwrap();
        assert_eq!(all(&ix, IndexKey::Org("x")), vec![1]);
        assert_eq!(all(&ix, IndexKey::Tag("x")), vec![2, 3]);
        ix.remove(IndexKey::Org("x"), 2); // not in the org set: no-op
        assert_eq!(ix.len(IndexKey::Tag("x")), 2);
    }

    #[ink::test]
    fn tag_and_active_sets_of_the_same_tag_are_separate() {
        let mut ix = ServiceIndex::default();
        ix.insert(IndexKey::Tag("x"), 1).unwrap();
        ix.insert(IndexKey::Tag("x"), 2).unwrap();
        ix.insert(IndexKey::Active("x"), 2).unwrap();
        assert_eq!(all(&ix, IndexKey::Tag("x")), vec![1, 2]);
        assert_eq!(all(&ix, IndexKey::Active("x")), vec![2]);
        ix.remove(IndexKey::Active("x"), 1); // not active: no-op
        assert_eq!(ix.len(IndexKey::Tag("x")), 2);
        ix.remove(IndexKey::Tag("x"), 2);
        assert!(ix.contains(IndexKey::Active("x"), 2));
        assert_eq!(IndexKey::Active("x").name(), "x");
    }

    #[ink::test]
    fn swap_remove_keeps_positions_dense() {
        let mut ix = ServiceIndex::default();
        for id in 1..=5 {
            ix.insert(K, id).unwrap();
        }
        ix.remove(K, 2);
        assert_eq!(all(&ix, K), vec![1, 5, 3, 4]);
        ix.remove(K, 4); // the last one
        assert_eq!(all(&ix, K), vec![1, 5, 3]);
        ix.remove(K, 42); // absent: no-op
        assert_eq!(ix.len(K), 3);
        for id in [1, 3, 5] {
            ix.remove(K, id);
        }
        assert_eq!(ix.len(K), 0);
        assert_eq!(ix.page(K, 0, 0), (vec![], None));
        // Positions are reusable after emptying.
        ix.insert(K, 9).unwrap();
        assert_eq!(all(&ix, K), vec![9]);
    }

    #[ink::test]
    fn pages_follow_the_cursor() {
        let mut ix = ServiceIndex::default();
        for id in 1..=(MAX_PAGE as u64 + 3) {
            ix.insert(K, id).unwrap();
        }
        let (first, next) = ix.page(K, 0, 0);
        assert_eq!(first.len() as u32, MAX_PAGE);
        assert_eq!(next, Some(MAX_PAGE));
        let (rest, next) = ix.page(K, MAX_PAGE, 100);
        assert_eq!(rest, vec![33, 34, 35]);
        assert_eq!(next, None);
        assert_eq!(ix.page(K, 1, 2), (vec![2, 3], Some(3)));
        assert_eq!(ix.page(K, 1000, 2), (vec![], None));
        assert_eq!(ix.page(K, u32::MAX, u32::MAX), (vec![], None));
    }

    #[ink::test]
    fn insert_overflow_is_an_error() {
        let mut ix = ServiceIndex::default();
        ix.len.insert((1, "k"), &u32::MAX);
        assert_eq!(ix.insert(K, 1), Err(Error::Overflow));
    }
}
