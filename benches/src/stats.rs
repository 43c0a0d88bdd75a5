//! Medians and percentiles of a run's figures.

/// The median of `values` (NaN when there are none).
pub fn median(values: Vec<f64>) -> f64 {
    percentile(values, 0.5)
}

/// The value below which a share `p` (0 to 1) of `values` lie: the nearest rank.
pub fn percentile(mut values: Vec<f64>, p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((values.len() as f64) * p).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(values.clone(), 0.99), 99.0);
        assert_eq!(percentile(values.clone(), 0.5), 50.0);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert!(median(Vec::new()).is_nan());
    }
}
