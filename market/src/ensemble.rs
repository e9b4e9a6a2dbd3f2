//! The emergent ensemble ("Global Brain"): an agent that is itself a provider. Its
//! upstream answers `POST /predict` by buying the same prediction from the
//! best-ranked services of a market (an [`Agent`] paying their gateways: agents paying
//! agents) and combining the answers: the majority class (ties go to the better-ranked
//! service), or the mean of numbers.

use crate::datasets::Label;
use crate::upstream::{serve_router, Counters, PredictRequest, PredictResponse, Upstream};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use gb_agent::{Agent, CallRequest};
use gb_chain::Balance;
use gb_interfaces::ServiceId;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

/// What the ensemble bought from one service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Purchases {
    pub calls: u64,
    /// Paid in total (plancks).
    pub paid: Balance,
}

/// The ensemble's state, shared with its upstream.
pub struct Ensemble {
    agent: Agent,
    tag: String,
    /// How many of the best-ranked services it buys from per request.
    pub k: usize,
    bought: Mutex<BTreeMap<ServiceId, Purchases>>,
}

impl Ensemble {
    /// An ensemble buying from the `k` best-ranked services of `tag` with `agent`.
    pub fn new(agent: Agent, tag: impl Into<String>, k: usize) -> Arc<Ensemble> {
        Arc::new(Ensemble {
            agent,
            tag: tag.into(),
            k,
            bought: Mutex::new(BTreeMap::new()),
        })
    }

    /// The agent it pays with.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    /// What it bought, per service.
    pub fn bought(&self) -> BTreeMap<ServiceId, Purchases> {
        self.bought
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Serves the ensemble on a free loopback port (the upstream of its gateway).
    pub async fn serve(self: &Arc<Self>) -> std::io::Result<Upstream> {
        let counters = Arc::new(Counters::default());
        let app = Router::new()
            .route("/predict", post(predict))
            .with_state((self.clone(), counters.clone()));
        serve_router(app, counters).await
    }

    /// Buys `features`' prediction from the `k` best-ranked services and combines
    /// them; `None` if none answered.
    pub async fn predict(&self, features: &[f64]) -> Result<Option<Label>, String> {
        let ranked = self
            .agent
            .discover(&self.tag)
            .await
            .map_err(|e| e.to_string())?;
        let body = serde_json::to_vec(&PredictRequest {
            features: features.to_vec(),
        })
        .map_err(|e| e.to_string())?;
        let mut answers = Vec::new();
        for service in ranked.iter().take(self.k) {
            let request = CallRequest::post("/predict", body.clone())
                .header("content-type", "application/json");
            let Ok(paid) = self.agent.call(service, request).await else {
                continue;
            };
            {
                let mut bought = self.bought.lock().unwrap_or_else(|p| p.into_inner());
                let entry = bought.entry(service.id).or_default();
                entry.calls += 1;
                entry.paid += paid.receipt.charged;
            }
            if paid.response.status() != 200 {
                continue;
            }
            if let Ok(bytes) = paid.response.bytes().await {
                if let Ok(r) = serde_json::from_slice::<PredictResponse>(&bytes) {
                    answers.push(r.answer);
                }
            }
        }
        Ok(combine(&answers))
    }
}

/// The majority class (ties: the earliest, i.e. best-ranked, answer among the tied),
/// or the mean of numbers; `None` for no answers.
pub fn combine(answers: &[Label]) -> Option<Label> {
    let first = *answers.first()?;
    match first {
        Label::Class(_) => {
            let mut counts: Vec<(u32, usize)> = Vec::new();
            for a in answers {
                if let Label::Class(c) = a {
                    match counts.iter_mut().find(|(k, _)| k == c) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((*c, 1)),
                    }
                }
            }
            // max_by_key keeps the last maximum: reverse so the earliest wins ties.
            counts
                .iter()
                .rev()
                .max_by_key(|(_, n)| *n)
                .map(|(c, _)| Label::Class(*c))
        }
        Label::Value(_) => {
            let values: Vec<f64> = answers
                .iter()
                .filter_map(|a| match a {
                    Label::Value(v) => Some(*v),
                    Label::Class(_) => None,
                })
                .collect();
            Some(Label::Value(
                values.iter().sum::<f64>() / values.len() as f64,
            ))
        }
    }
}

async fn predict(
    State((ensemble, counters)): State<(Arc<Ensemble>, Arc<Counters>)>,
    Json(request): Json<PredictRequest>,
) -> Result<Json<PredictResponse>, (StatusCode, String)> {
    counters.received.fetch_add(1, Ordering::Relaxed);
    match ensemble.predict(&request.features).await {
        Ok(Some(answer)) => {
            counters.answered.fetch_add(1, Ordering::Relaxed);
            Ok(Json(PredictResponse { answer }))
        }
        Ok(None) => Err((
            StatusCode::SERVICE_UNAVAILABLE,
            "no service of the market answered".into(),
        )),
        Err(e) => Err((StatusCode::BAD_GATEWAY, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combine_takes_the_majority_and_breaks_ties_by_rank() {
        let c = Label::Class;
        assert_eq!(combine(&[c(1), c(0), c(0)]), Some(c(0)));
        assert_eq!(combine(&[c(1), c(0)]), Some(c(1)), "tie: the best-ranked");
        assert_eq!(combine(&[c(2), c(0), c(1)]), Some(c(2)));
        assert_eq!(combine(&[]), None);
        assert_eq!(
            combine(&[Label::Value(1.0), Label::Value(3.0)]),
            Some(Label::Value(2.0))
        );
    }
}
