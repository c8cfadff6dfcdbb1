// CountryCode: what `rollover` accepts for the C= attribute of a signing request, and what it suggests instead.

import Testing
@testable import RolloverPKI

@Suite("Country codes")
struct CountryCodeTests {
    /// The error CountryCode throws for the text, or nil when it accepts it.
    func refusal(_ text: String) -> CountryCodeError? {
        do {
            _ = try CountryCode(text)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Accepted

    @Test func everyAssignedCodeIsAcceptedInUpperAndLowerCase() throws {
        #expect(CountryCode.assigned.count == 249)
        for code in CountryCode.assigned {
            #expect(try CountryCode(code).code == code)
            #expect(try CountryCode(code.lowercased()).code == code)
        }
    }

    @Test func theAssignedListHasTheNewerCodesAndNotTheWithdrawnOnes() {
        for code in ["SS", "CW", "SX", "BQ", "ME", "RS", "TL"] { #expect(CountryCode.assigned.contains(code), "\(code)") }
        for code in ["AN", "CS", "YU", "TP", "ZR", "UK", "EL", "XK"] { #expect(!CountryCode.assigned.contains(code), "\(code)") }
    }

    @Test func kosovoIsAcceptedAlthoughNotAssigned() throws {
        #expect(try CountryCode("XK").code == "XK")
        #expect(try CountryCode("xk").code == "XK")
    }

    @Test func exactly250TwoLetterInputsAreAcceptedThe249AssignedPlusXK() {
        let letters = (UInt8(ascii: "A")...UInt8(ascii: "Z")).map { Character(Unicode.Scalar($0)) }
        var accepted: Set<String> = []
        for first in letters {
            for second in letters where refusal(String([first, second])) == nil { accepted.insert(String([first, second])) }
        }
        let expected = CountryCode.assigned.union(["XK"])
        #expect(accepted.count == 250)
        #expect(accepted.subtracting(expected).sorted() == [], "accepted but not expected")
        #expect(expected.subtracting(accepted).sorted() == [], "expected but refused")
    }

    @Test func surroundingWhitespaceIsTrimmed() throws {
        #expect(try CountryCode("  de ").code == "DE")
        #expect(try CountryCode("\tGB\r\n").code == "GB")
        #expect(try CountryCode("US ").code == "US")
        #expect(try CountryCode("\u{A0}fr\u{A0}").code == "FR")
        #expect(try CountryCode("\u{FEFF}CH").code == "CH")
    }

    @Test func theCodeIsTheDescriptionAndDecidesEquality() throws {
        #expect(try CountryCode("nl").description == "NL")
        #expect(try CountryCode(" nl") == CountryCode("NL"))
    }

    // MARK: Refused, with a suggestion

    @Test func ukIsRefusedWithGBAndTheCountryName() throws {
        let error = try #require(refusal("UK"))
        #expect(error.input == "UK")
        #expect(error.suggestion == "GB")
        #expect(error.description.contains("United Kingdom"))
        #expect(error.description == #""UK" is not an ISO 3166 country code; did you mean "GB" (United Kingdom)?"#)
        #expect(refusal("uk")?.suggestion == "GB")
    }

    @Test func elIsRefusedWithGR() {
        #expect(refusal("EL")?.suggestion == "GR")
        #expect(refusal("EL")?.description.contains("Greece") == true)
    }

    @Test func alpha3CodesSuggestTheirAlpha2() {
        #expect(refusal("DEU")?.suggestion == "DE")
        for (alpha3, alpha2) in ["GBR": "GB", "USA": "US", "FRA": "FR", "CHE": "CH", "NLD": "NL", "deu": "DE"] {
            #expect(refusal(alpha3)?.suggestion == alpha2, "\(alpha3)")
        }
    }

    @Test func everyAssignedCodeHasAnAlpha3AndAnEnglishNameThatLeadBackToIt() {
        #expect(CountryCode.table.count == 249)
        #expect(Set(CountryCode.table.map(\.alpha3)).count == 249)
        for entry in CountryCode.table {
            #expect(refusal(entry.alpha3)?.suggestion == entry.alpha2, "\(entry.alpha3)")
            #expect(CountryCode.englishName(of: entry.alpha2) == entry.name)
            #expect(refusal(entry.name)?.suggestion == entry.alpha2, "\(entry.name)")
        }
        #expect(CountryCode.englishName(of: "XK") == "Kosovo")
    }

    @Test func everyAliasAndISONameLeadsToItsOwnCode() {
        for alias in CountryCode.aliases { #expect(refusal(alias.name)?.suggestion == alias.code, "\(alias.name)") }
        for name in CountryCode.isoShortNames { #expect(refusal(name.name)?.suggestion == name.code, "\(name.name)") }
    }

    @Test func countryNamesSuggestTheirCodeWhateverTheCase() throws {
        #expect(refusal("germany")?.suggestion == "DE")
        let germany = try #require(refusal("Germany"))
        #expect(germany.suggestion == "DE")
        #expect(germany.description == #""Germany" is not a two-letter ISO 3166 country code; did you mean "DE" (Germany)?"#)
        let expected: [String: String] = [
            "United Kingdom": "GB", "Great Britain": "GB", "England": "GB", "Scotland": "GB", "WALES": "GB",
            "Holland": "NL", "The Netherlands": "NL", "netherlands": "NL", "Deutschland": "DE",
            "Schweiz": "CH", "Suisse": "CH", "España": "ES", "Korea": "KR", "South Korea": "KR",
            "Russia": "RU", "UAE": "AE", "United States": "US", "United  States of America": "US",
            "U.S.A.": "US", "U.K.": "GB", "St. Lucia": "LC", "Cote d'Ivoire": "CI", "Turkey": "TR",
            "Kosovo": "XK", "Japan": "JP", "India": "IN", "China": "CN", "Brazil": "BR",
        ]
        for (name, code) in expected { #expect(refusal(name)?.suggestion == code, "\(name)") }
    }

    @Test func aDecomposedAccentMatchesTheComposedName() {
        #expect(refusal("Espan\u{303}a")?.suggestion == "ES")
    }

    @Test func withdrawnCodesAreRefusedAndNamedAsWithdrawn() throws {
        let antilles = try #require(refusal("AN"))
        #expect(antilles.suggestion == nil)
        #expect(antilles.description == #""AN" was withdrawn from ISO 3166 in 2010 and has no single successor."#)
        let timor = try #require(refusal("TP"))
        #expect(timor.suggestion == "TL")
        #expect(timor.description == #""TP" was withdrawn from ISO 3166 in 2002; did you mean "TL" (Timor-Leste)?"#)
    }

    // MARK: Refused, without a suggestion

    @Test func unassignedEmptyAndNonLetterInputsAreRefused() throws {
        for input in ["ZZ", "", "1A", "AN", "   ", "D", "DEUT", "D-E"] { #expect(refusal(input) != nil, "\(input)") }
        let zz = try #require(refusal("ZZ"))
        #expect(zz.suggestion == nil)
        #expect(zz.description == #""ZZ" is not an ISO 3166 country code."#)
        #expect(refusal("")?.description == #""" is not a two-letter ISO 3166 country code."#)
        #expect(refusal("1A")?.suggestion == nil)
    }

    @Test func noGuessIsMadeFromALetterThatIsOff() {
        // "DX" is one letter from DE, DJ, DK, DM, DO, DZ and many more: no single answer.
        for input in ["DX", "QQ", "GQR", "Germny", "Congo"] { #expect(refusal(input)?.suggestion == nil, "\(input)") }
    }

    @Test func nonASCIILettersAreRefusedEvenWhenTheyUppercaseToACode() {
        #expect(refusal("ß") != nil)  // "ß".uppercased() is "SS", South Sudan
        #expect(refusal("ｄｅ") != nil)  // fullwidth
        #expect(refusal("ＤＥ")?.suggestion == nil)
    }

    @Test func everyMessageIsOneSentenceNamingTheInputInQuotes() {
        for input in ["UK", "DEU", "Germany", "ZZ", "", "1A", "AN", "ZR", "a\nb", "say \"hi\"", "x\u{200B}"] {
            guard let message = refusal(input)?.description else {
                Issue.record("\(input) was accepted")
                continue
            }
            #expect(message.hasPrefix(CountryCodeError.quoted(input)), "\(message)")
            #expect(message.hasSuffix(".") || message.hasSuffix("?"), "\(message)")
            #expect(!message.contains("\n"), "\(message)")
            #expect(!message.dropLast().contains(". ") && !message.dropLast().contains("? "), "\(message)")
        }
        #expect(CountryCodeError.quoted("a\nb\u{200B}\"") == #""a\nb\u{200B}\"""#)
    }

    @Test func errorsCompareByInputAndSuggestion() {
        #expect(refusal(" UK ") == CountryCodeError(input: "UK", suggestion: "GB"))
        #expect(refusal("ZZ") == CountryCodeError(input: "ZZ", suggestion: nil))
    }
}
