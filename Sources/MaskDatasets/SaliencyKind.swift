/// What a generated mask was planted to look like; written to the `kind` column of `meta.csv`.
public enum SaliencyKind: String, Sendable, CaseIterable {
    /// A saliency map whose activation peak lies inside the object box (a model looking at
    /// the object). Its prediction is usually right.
    case focused
    /// A saliency map peaking in the background, away from the object box (a model relying on
    /// a spurious feature). Its prediction is often wrong.
    case spurious
    /// A saliency map of many weak peaks spread over the image, with many mid-range values (as
    /// adversarial or out-of-distribution inputs give). Its prediction is often wrong.
    case diffused
    /// A human-attention mask: a smooth blob covering the object box.
    case human

    /// Probability that a model's prediction equals the label, given the kind of its map.
    var predictionAccuracy: Double {
        switch self {
        case .focused: return 0.9
        case .spurious: return 0.4
        case .diffused: return 0.25
        case .human: return 1.0
        }
    }

    /// Draws a saliency kind: focused 60 %, spurious 25 %, diffused 15 %.
    static func randomSaliency(using rng: inout SeededRandom) -> SaliencyKind {
        let u = rng.unitDouble()
        if u < 0.60 { return .focused }
        if u < 0.85 { return .spurious }
        return .diffused
    }
}
