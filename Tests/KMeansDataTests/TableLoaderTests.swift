import Foundation
import KMeansCore
import Testing
@testable import KMeansData

@Suite struct TableLoaderTests {
    @Test func textAndRowIDColumnsAreLeftOutWithANoteAndTheIDsKept() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("explore.csv", "id,x,segment,y\n7,1.5,alpha,2\n8,2.5,gamma,3\n9,3.5,alpha,4\n10,4,beta,6\n")
        let table = try TableLoader.load(path: path)
        #expect(table.data.matrix == Matrix([[1.5, 2], [2.5, 3], [3.5, 4], [4, 6]]))
        #expect(table.data.featureNames == ["x", "y"])
        #expect(table.rowIDColumn == "id" && table.rowIDs == [7, 8, 9, 10])
        #expect(table.textColumns == ["segment"])
        #expect(table.note == #"left out text column "segment"; left out row id column "id" (integers counting up; kept for output)"#)
        let profile = try #require(try TableProfile.profile(path: path))
        #expect(profile.columns.map(\.kind) == [.rowID, .number, .text, .integer])
        #expect(profile.columns[2].sample == "alpha" && profile.columns[2].sampleLine == 2)
    }

    @Test func featureSelectionPicksLoadsFeaturesOnlyWhenTheFirstRowHoldsText() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("explore.csv", "id,x,segment,y\n7,1.5,alpha,2\n8,2.5,gamma,3\n9,3.5,alpha,4\n10,4,beta,6\n")
        let selection = try #require(try TableLoader.featureSelection(path: path, options: DataReadOptions()))
        #expect(selection.featureColumns == ["x", "y"])
        #expect(selection.note == #"left out text column "segment"; left out row id column "id" (integers counting up)"#)
        let numbers = try directory.file("numbers.csv", "a,b\n1,2\n3,4\n")
        #expect(try TableLoader.featureSelection(path: numbers, options: DataReadOptions()) == nil)
        var explicit = DataReadOptions()
        explicit.featureColumns = ["x"]
        #expect(try TableLoader.featureSelection(path: path, options: explicit) == nil)
        let headerless = try directory.file("headerless.csv", "1,a,2\n3,b,4\n5,c,6\n")
        #expect(try TableLoader.featureSelection(path: headerless, options: DataReadOptions())?.featureColumns == ["0", "2"])
    }

    @Test func aTextOrIntegerColumnBecomesTruthLabelsAlignedWithSkippedRows() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("t.csv", "x,y,species,code\n1,2,setosa,4\n,3,virginica,4\n5,6,virginica,2\n7,8,setosa,2\n")
        var options = DataReadOptions()
        options.skipInvalid = true
        let table = try TableLoader.load(path: path, options: options, truthColumn: "species")
        #expect(table.data.matrix == Matrix([[1, 2, 4], [5, 6, 2], [7, 8, 2]]))
        #expect(table.data.skippedRows == 1)
        #expect(table.truth == TruthLabels(column: "species", names: ["setosa", "virginica"], labels: [0, 1, 0]))
        let byCode = try TableLoader.load(path: path, options: options, truthColumn: "3")
        #expect(byCode.truth?.names == ["4", "2"] && byCode.truth?.labels == [0, 1, 1])
        #expect(byCode.data.featureNames == ["x", "y"] && byCode.textColumns == ["species"])
    }

    @Test func irisWithSpeciesAsTruth() throws {
        let directory = try TemporaryDirectory()
        let names = ["setosa", "versicolor", "virginica"]
        var text = "sepal_length,sepal_width,petal_length,petal_width,species\n"
        for (row, species) in zip(SampleData.iris, SampleData.irisSpecies) {
            text += row.map { "\($0)" }.joined(separator: ",") + ",\(names[species])\n"
        }
        let table = try TableLoader.load(path: try directory.file("iris.csv", text), truthColumn: "species")
        #expect(table.data.matrix.columns == 4 && table.data.matrix.rows == 150)
        #expect(table.truth?.labels == SampleData.irisSpecies && table.truth?.names == names)
        #expect(ConfusionTable(truth: table.truth!.labels, clusters: SampleData.irisSpecies).adjustedRandIndex == 1)
    }

    @Test func explicitFeatureColumnsStillSelect() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("e.csv", "id,x,segment,y\n1,1.5,a,2\n2,2.5,b,3\n3,3.5,a,4\n")
        let table = try TableLoader.load(path: path, options: DataReadOptions(featureColumns: ["y"]))
        #expect(table.data.matrix == Matrix([[2], [3], [4]]) && table.data.featureNames == ["y"])
        #expect(table.rowIDs == [1, 2, 3] && table.textColumns.isEmpty)
        #expect(throws: DataError.self) { try TableLoader.load(path: path, options: DataReadOptions(featureColumns: ["segment"])) }
    }

    @Test func purelyNumericFilesReadAsBefore() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("n.csv", "a,b\n0.5,2\n1.5,7\n3,1\n")
        let table = try TableLoader.load(path: path)
        #expect(table.data == (try DataLoader.load(path: path)))
        #expect(table.notes.isEmpty && table.rowIDs == nil)
        let bad = try directory.file("bad.csv", "a,b\n1,2\n3,x\n5,6\n7,8\n")
        let error = try #require(loadTableError(bad))
        #expect(error == loadError(bad))
        #expect(error.description == #"bad.csv:3:2: "x" is not a number"#.replacingOccurrences(of: "bad.csv", with: bad))
    }

    @Test func unusableFilesAndTruthColumnsGetOneLineErrors() throws {
        let directory = try TemporaryDirectory()
        let strings = try directory.file("s.csv", "name,city\nann,paris\nbob,rome\n")
        let allText = try #require(loadTableError(strings))
        #expect(allText.kind == .unusableColumn && allText.description.contains(#"no numeric column to cluster: "name", "city" hold text"#))
        let one = try directory.file("o.csv", "x,y,label\n1,2,a\n3,1,a\n")
        let single = try #require(loadTableError(one, truth: "label"))
        #expect(single.kind == .unusableColumn && single.description.contains(#"truth column "label" has only one value ("a") in 2 rows"#))
        let fraction = try #require(loadTableError(try directory.file("f.csv", "x,y\n1.5,2\n3,1\n"), truth: "x"))
        #expect(fraction.description.contains(#"truth column "x" holds numbers that are not integers: "1.5" on line 2"#))
        let missing = try #require(loadTableError(one, truth: "nope"))
        #expect(missing.kind == .unknownColumn && missing.description.contains(#"columns are "x", "y", "label""#))
        #expect(!allText.description.contains("\n") && !single.description.contains("\n"))
        var options = DataReadOptions()
        options.featureColumns = ["x", "label"]
        let twice = try directory.file("t.csv", "x,label\n1,2\n3,1\n4,2\n")
        let both = try #require(dataError { _ = try TableLoader.load(path: twice, options: options, truthColumn: "label") })
        #expect(both.kind == .unusableColumn && both.description.contains(#"truth column "label" is also a feature column"#))
        #expect(!both.description.contains("\n") && both.description.contains(twice))
    }
}

/// Reads `path` with ``TableLoader``, returning the error instead of throwing it.
func loadTableError(_ path: String, truth: String? = nil) -> DataError? {
    dataError { _ = try TableLoader.load(path: path, truthColumn: truth) }
}
