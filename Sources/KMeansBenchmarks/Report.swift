// The Markdown tables KMeansBenchmarks prints after the cases ran.
import Foundation

func printTable(_ results: [CaseResult]) {
    print("")
    print("| case | N×D×K | Lloyd ms/it (median; CPU/thread) | GFLOP/s | % FMA peak | Hamerly ms/it (searched) | auto | predict ms | transform ms | mini-batch step ms | cosine ms/it | k-means++ s | (peak − baseline RSS) / data | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results {
        let c = r.caseInfo
        let rss = Double(r.peakResidentBytes - r.baselineResidentBytes) / Double(r.dataBytes)
        print("| \(c.label) | \(c.n)×\(c.d)×\(c.k) | \(fmt(r.lloydMsPerIteration)) (\(fmt(r.lloydMedianMsPerIteration)); \(fmt(r.lloydCpuMsPerIterationPerThread))) | \(fmt(r.lloydGflops)) | \(fmt(r.lloydShareOfFmaPeak * 100, 2))% | \(fmt(r.hamerlyMsPerIteration))\(r.hamerlyEqualsLloyd ? "" : " (≠ Lloyd!)") (\(fmt(r.hamerlySearchFraction * 100, 2))%) | \(r.autoAlgorithm) \(fmt(r.autoMsPerIteration)) | \(fmt(r.predictMs)) | \(fmt(r.transformMs)) | \(fmt(r.miniBatchStepMs)) | \(fmt(r.cosineMsPerIteration)) | \(fmt(r.kmeansPlusPlusSeconds)) | \(String(format: "%.2f", rss))× (peak \(r.peakResidentBytes / 1_048_576) MiB, baseline \(r.baselineResidentBytes / 1_048_576) MiB) | \(fmt(r.loadBefore, 2))→\(fmt(r.loadAfter, 2)) |")
    }
    print("")
    print("| case | library step ms/it, ModelFunction + engine, auto (CPU/thread) | kernel-loop auto ms/it | library peak RSS / data (without runtime baseline) | core-only process peak RSS / data (KMeansMemoryProbe) | predict ms: plain / pruned (searched) |")
    print("|---|---|---|---|---|---|")
    for r in results {
        let data = Double(r.dataBytes)
        let withBaseline = Double(r.libraryPeakResidentBytes) / data
        let withoutBaseline = Double(r.libraryPeakResidentBytes - r.baselineResidentBytes) / data
        let coreOnly = r.coreOnlyPeakResidentBytes.map {
            String(format: "%.3f× (baseline %.1f MiB)", Double($0) / data, Double(r.coreOnlyBaselineResidentBytes ?? 0) / 1_048_576)
        } ?? "—"
        print("| \(r.caseInfo.label) | \(fmt(r.libraryMsPerIteration)) (\(fmt(r.libraryCpuMsPerIterationPerThread))) | \(fmt(r.autoMsPerIteration)) | \(String(format: "%.2f", withBaseline))× (\(String(format: "%.2f", withoutBaseline))×) | \(coreOnly) | \(fmt(r.predictMs)) / \(fmt(r.prunedPredictMs))\(r.prunedPredictEqualsPlain ? "" : " (≠ plain!)") (\(fmt(r.prunedPredictSearchFraction * 100, 3))%) |")
    }
    print("")
    print("| case | library whole fit, 20 it from the given centres, setup included (ms) | library ms/it = (fit 21 − fit 1) / 20 | rows read per it | rows fully searched per it | inertia of the fit |")
    print("|---|---|---|---|---|---|")
    for r in results {
        print("| \(r.caseInfo.label) | \(fmt(r.wholeFitMs)) | \(fmt(r.msPerIteration)) | \(fmt(r.pointsReadShare.map { $0 * 100 }))% | \(fmt(r.fullSearchShare.map { $0 * 100 }))% | \(fmt(r.wholeFitInertia, 9)) |")
    }
    print("")
    print("| case | incremental whole fit (ms) | incremental ms/it (21 − 1) | rows read per it | rows fully searched per it | inertia | max ulps from the auto fit's centres |")
    print("|---|---|---|---|---|---|---|")
    for r in results {
        print("| \(r.caseInfo.label) | \(fmt(r.incrementalWholeFitMs)) | \(fmt(r.incrementalMsPerIteration)) | \(fmt(r.incrementalPointsReadShare.map { $0 * 100 }))% | \(fmt(r.incrementalFullSearchShare.map { $0 * 100 }))% | \(fmt(r.incrementalInertia, 9)) | \(fmt(r.incrementalMaxUlpsFromTF)) |")
    }
    for r in results { if let f = r.workbenchFrameMs { print("workbench frame 200×60, \(r.caseInfo.n) points (case \(r.caseInfo.label)): \(fmt(f)) ms") } }
}
