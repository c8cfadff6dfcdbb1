/// An ISO 3166-1 alpha-2 country code, checked, as the C= attribute of a certificate subject needs it.
///
/// Endpoint Central's own batch file tells administrators to "re-run the batch file if you entered the wrong
/// country code"; Rollover checks the code before it builds the request instead, and when the input is a
/// well-known mistake ("UK", "DEU", "Germany") it says which code was meant.
public struct CountryCode: Sendable, Hashable, CustomStringConvertible {
    /// Two uppercase ASCII letters: one of `assigned`, or "XK".
    public let code: String

    /// Accepts an assigned code in either case, with surrounding whitespace ("de", " GB\n"); refuses anything
    /// else, with a suggestion when the input is a well-known mistake.
    public init(_ text: String) throws(CountryCodeError) {
        let input = Self.trimmed(text)
        if let letters = Self.asciiUppercased(input), letters.unicodeScalars.count == 2, Self.isAccepted(letters) {
            code = letters
        } else {
            throw CountryCodeError(input: input)
        }
    }

    public var description: String { code }

    /// The 249 officially assigned alpha-2 codes (ISO 3166-1 as of 2024). Not here: withdrawn codes such as "AN",
    /// the exceptionally reserved "UK" and "EL", and user-assigned codes, "XK" among them.
    static let assigned: Set<String> = Set(table.map { $0.alpha2 })

    /// Kosovo, accepted although it is not an assigned code. ISO 3166-1 leaves AA, QM–QZ, XA–XZ and ZZ to users,
    /// and has assigned Kosovo nothing because the UN lists ISO takes its names from do not include it. The
    /// European Commission, the IMF, SWIFT and Unicode CLDR use the user-assigned "XK" for it, so "XK" is what an
    /// administrator in Kosovo will type and what certificate tooling generally expects; refusing it would leave
    /// them no correct answer at all. Whether the certificate keeps it is the CA's decision: the CA/Browser Forum
    /// Baseline Requirements let a publicly trusted CA put the user-assigned "XX" for a country without an ISO
    /// code, so a public CA may rewrite or refuse "XK".
    static let kosovo = "XK"

    static func isAccepted(_ letters: String) -> Bool { letters == kosovo || assigned.contains(letters) }

    /// The English short name Rollover uses in messages: "DE" → "Germany". Covers every accepted code.
    static func englishName(of code: String) -> String? { namesByCode[code] }

    /// alpha-3 → alpha-2 for every assigned code ("DEU" → "DE"), and Kosovo's customary "XKX".
    static let alpha2ByAlpha3: [String: String] = {
        var map = [kosovoAlpha3: kosovo]
        for entry in table { map[entry.alpha3] = entry.alpha2 }
        return map
    }()

    static let kosovoAlpha3 = "XKX"

    private static let namesByCode: [String: String] = {
        var map = [kosovo: "Kosovo"]
        for entry in table { map[entry.alpha2] = entry.name }
        return map
    }()

    // MARK: Reading the input

    /// Whitespace at either end goes (Character.isWhitespace: spaces, tabs, CR/LF, no-break space), and so does
    /// a byte-order mark, which a value copied out of a Windows text file can carry.
    static func trimmed(_ text: String) -> String {
        func isPadding(_ character: Character) -> Bool { character.isWhitespace || character == "\u{FEFF}" }
        var rest = Substring(text)
        while let first = rest.first, isPadding(first) { rest.removeFirst() }
        while let last = rest.last, isPadding(last) { rest.removeLast() }
        return String(rest)
    }

    /// The text in uppercase if it is ASCII letters only, else nil. Uppercasing is done by hand, on ASCII only:
    /// `"ß".uppercased()` is "SS" (South Sudan), and fullwidth "ｄｅ" is not "DE" to a CA.
    static func asciiUppercased(_ text: String) -> String? {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x41...0x5A: scalars.append(scalar)
            case 0x61...0x7A: scalars.append(Unicode.Scalar(UInt8(scalar.value - 0x20)))
            default: return nil
            }
        }
        return String(scalars)
    }

    /// A country name reduced for lookup: lowercase, apostrophes and full stops dropped ("Côte d'Ivoire" →
    /// "côte divoire", "U.S.A." → "usa"), "&" read as "and", any other run of non-letters and non-digits made
    /// one space, a leading "the" dropped ("The Netherlands" → "netherlands") and "St" read as "Saint".
    static func nameKey(_ text: String) -> String {
        var words: [String] = []
        var word = ""
        func endWord() {
            if !word.isEmpty { words.append(word) }
            word = ""
        }
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                word.append(character)
            } else if character == "'" || character == "\u{2019}" || character == "." {
                continue
            } else if character == "&" {
                endWord()
                words.append("and")
            } else {
                endWord()
            }
        }
        endWord()
        if words.first == "the" { words.removeFirst() }
        words = words.map { $0 == "st" ? "saint" : $0 }
        return words.joined(separator: " ")
    }

    // MARK: Suggestions

    /// The code the input most likely meant, only when that is a well-known mistake, never a guess from
    /// spelling: two-letter codes one letter apart are too many ("DE" and "DK", "DM", "DO", "DZ", "BE", …).
    static func suggestion(for input: String) -> String? {
        if let letters = asciiUppercased(input), let code = suggestion(forLetters: letters) { return code }
        let key = nameKey(input)
        if let code = codesByName[key] { return code }
        // Abbreviations with full stops: "U.K." → "UK" → "GB", "U.S.A." → "USA" → "US".
        if let letters = asciiUppercased(key) { return suggestion(forLetters: letters) }
        return nil
    }

    private static func suggestion(forLetters letters: String) -> String? {
        switch letters.unicodeScalars.count {
        case 2:
            if isAccepted(letters) { return letters }
            if let withdrawal = withdrawn[letters] { return withdrawal.successor }
            return reservedMistakes[letters]
        case 3:
            return alpha2ByAlpha3[letters]
        default:
            return nil
        }
    }

    /// Two-letter codes people use that ISO 3166-1 "exceptionally reserves" rather than assigns: "UK" (the
    /// United Kingdom's own choice, e.g. the .uk domain) and "EL" (the European Union's code for Greece).
    static let reservedMistakes: [String: String] = ["UK": "GB", "EL": "GR"]

    /// Codes withdrawn from ISO 3166-1 that old certificates and old habits still carry, with the year of
    /// withdrawal and the code that replaced them when exactly one did.
    static let withdrawn: [String: (year: Int, successor: String?)] = [
        "AN": (2010, nil),  // Netherlands Antilles: now BQ, CW and SX
        "BU": (1989, "MM"),  // Burma
        "CS": (2006, nil),  // Serbia and Montenegro (earlier Czechoslovakia): now RS and ME
        "DD": (1990, "DE"),  // German Democratic Republic
        "TP": (2002, "TL"),  // East Timor
        "YU": (2003, nil),  // Yugoslavia
        "ZR": (1997, "CD"),  // Zaire
    ]

    /// Name keys (see `nameKey`) → code: every English short name in `table`, ISO's own short names where they
    /// differ, and the aliases below.
    static let codesByName: [String: String] = {
        var map: [String: String] = [:]
        func add(_ name: String, _ code: String) {
            let key = nameKey(name)
            if map[key] == nil { map[key] = code }
        }
        for entry in table { add(entry.name, entry.alpha2) }
        add("Kosovo", kosovo)
        for (code, name) in isoShortNames { add(name, code) }
        for (name, code) in aliases { add(name, code) }
        return map
    }()

    /// What people type for a country instead of its name in `table`: older and informal English names, names in
    /// the country's own language, and spellings without diacritics. Ambiguous names ("Congo", "Virgin Islands")
    /// are left out on purpose.
    static let aliases: [(name: String, code: String)] = [
        ("Great Britain", "GB"), ("Britain", "GB"), ("England", "GB"), ("Scotland", "GB"), ("Wales", "GB"),
        ("Northern Ireland", "GB"), ("United Kingdom of Great Britain and Northern Ireland", "GB"),
        ("United States of America", "US"),
        ("UAE", "AE"), ("Emirates", "AE"),
        ("Holland", "NL"), ("Nederland", "NL"),
        ("Deutschland", "DE"), ("Federal Republic of Germany", "DE"),
        ("Schweiz", "CH"), ("Suisse", "CH"), ("Svizzera", "CH"), ("Swiss Confederation", "CH"),
        ("Österreich", "AT"), ("Oesterreich", "AT"),
        ("España", "ES"), ("Espana", "ES"),
        ("Italia", "IT"), ("Belgique", "BE"), ("België", "BE"), ("Belgie", "BE"),
        ("Sverige", "SE"), ("Norge", "NO"), ("Danmark", "DK"), ("Suomi", "FI"), ("Polska", "PL"),
        ("Česko", "CZ"), ("Czech Republic", "CZ"), ("Hellas", "GR"),
        ("Brasil", "BR"), ("México", "MX"),
        ("Korea", "KR"), ("Republic of Korea", "KR"),
        ("Russia", "RU"), ("People's Republic of China", "CN"), ("Republic of Ireland", "IE"), ("Éire", "IE"),
        ("Turkey", "TR"), ("Turkiye", "TR"),
        ("Ivory Coast", "CI"), ("Cote d'Ivoire", "CI"), ("Curacao", "CW"), ("Reunion", "RE"),
        ("Saint Barthelemy", "BL"), ("Aland Islands", "AX"),
        ("Burma", "MM"), ("Cape Verde", "CV"), ("Swaziland", "SZ"), ("Macedonia", "MK"), ("East Timor", "TL"),
        ("Vatican", "VA"), ("Holy See", "VA"), ("Brunei", "BN"),
    ]

    /// ISO 3166-1's English short names where `table` uses a shorter form, except "Congo" (CG), which people also
    /// write for the Democratic Republic of the Congo.
    static let isoShortNames: [(code: String, name: String)] = [
        ("BO", "Bolivia, Plurinational State of"),
        ("CC", "Cocos (Keeling) Islands"),
        ("CD", "Congo, The Democratic Republic of the"),
        ("FK", "Falkland Islands (Malvinas)"),
        ("FM", "Micronesia, Federated States of"),
        ("IR", "Iran, Islamic Republic of"),
        ("KP", "Korea, Democratic People's Republic of"),
        ("KR", "Korea, Republic of"),
        ("LA", "Lao People's Democratic Republic"),
        ("MD", "Moldova, Republic of"),
        ("MF", "Saint Martin (French part)"),
        ("PS", "Palestine, State of"),
        ("SH", "Saint Helena, Ascension and Tristan da Cunha"),
        ("SX", "Sint Maarten (Dutch part)"),
        ("SY", "Syrian Arab Republic"),
        ("TW", "Taiwan, Province of China"),
        ("TZ", "Tanzania, United Republic of"),
        ("VA", "Holy See (Vatican City State)"),
        ("VE", "Venezuela, Bolivarian Republic of"),
        ("VG", "Virgin Islands, British"),
        ("VI", "Virgin Islands, U.S."),
        ("VN", "Viet Nam"),
    ]

    /// Every officially assigned code: alpha-2, alpha-3, English short name. Taken from ISO 3166-1 (249 entries,
    /// Türkiye's 2022 rename included) by way of Debian's iso-codes 4.15; the names are ISO's, or its common
    /// form where ISO's is inverted or bracketed ("Korea, Republic of" → "South Korea").
    static let table: [(alpha2: String, alpha3: String, name: String)] = [
        ("AD", "AND", "Andorra"),
        ("AE", "ARE", "United Arab Emirates"),
        ("AF", "AFG", "Afghanistan"),
        ("AG", "ATG", "Antigua and Barbuda"),
        ("AI", "AIA", "Anguilla"),
        ("AL", "ALB", "Albania"),
        ("AM", "ARM", "Armenia"),
        ("AO", "AGO", "Angola"),
        ("AQ", "ATA", "Antarctica"),
        ("AR", "ARG", "Argentina"),
        ("AS", "ASM", "American Samoa"),
        ("AT", "AUT", "Austria"),
        ("AU", "AUS", "Australia"),
        ("AW", "ABW", "Aruba"),
        ("AX", "ALA", "Åland Islands"),
        ("AZ", "AZE", "Azerbaijan"),
        ("BA", "BIH", "Bosnia and Herzegovina"),
        ("BB", "BRB", "Barbados"),
        ("BD", "BGD", "Bangladesh"),
        ("BE", "BEL", "Belgium"),
        ("BF", "BFA", "Burkina Faso"),
        ("BG", "BGR", "Bulgaria"),
        ("BH", "BHR", "Bahrain"),
        ("BI", "BDI", "Burundi"),
        ("BJ", "BEN", "Benin"),
        ("BL", "BLM", "Saint Barthélemy"),
        ("BM", "BMU", "Bermuda"),
        ("BN", "BRN", "Brunei Darussalam"),
        ("BO", "BOL", "Bolivia"),
        ("BQ", "BES", "Bonaire, Sint Eustatius and Saba"),
        ("BR", "BRA", "Brazil"),
        ("BS", "BHS", "Bahamas"),
        ("BT", "BTN", "Bhutan"),
        ("BV", "BVT", "Bouvet Island"),
        ("BW", "BWA", "Botswana"),
        ("BY", "BLR", "Belarus"),
        ("BZ", "BLZ", "Belize"),
        ("CA", "CAN", "Canada"),
        ("CC", "CCK", "Cocos Islands"),
        ("CD", "COD", "Democratic Republic of the Congo"),
        ("CF", "CAF", "Central African Republic"),
        ("CG", "COG", "Republic of the Congo"),
        ("CH", "CHE", "Switzerland"),
        ("CI", "CIV", "Côte d'Ivoire"),
        ("CK", "COK", "Cook Islands"),
        ("CL", "CHL", "Chile"),
        ("CM", "CMR", "Cameroon"),
        ("CN", "CHN", "China"),
        ("CO", "COL", "Colombia"),
        ("CR", "CRI", "Costa Rica"),
        ("CU", "CUB", "Cuba"),
        ("CV", "CPV", "Cabo Verde"),
        ("CW", "CUW", "Curaçao"),
        ("CX", "CXR", "Christmas Island"),
        ("CY", "CYP", "Cyprus"),
        ("CZ", "CZE", "Czechia"),
        ("DE", "DEU", "Germany"),
        ("DJ", "DJI", "Djibouti"),
        ("DK", "DNK", "Denmark"),
        ("DM", "DMA", "Dominica"),
        ("DO", "DOM", "Dominican Republic"),
        ("DZ", "DZA", "Algeria"),
        ("EC", "ECU", "Ecuador"),
        ("EE", "EST", "Estonia"),
        ("EG", "EGY", "Egypt"),
        ("EH", "ESH", "Western Sahara"),
        ("ER", "ERI", "Eritrea"),
        ("ES", "ESP", "Spain"),
        ("ET", "ETH", "Ethiopia"),
        ("FI", "FIN", "Finland"),
        ("FJ", "FJI", "Fiji"),
        ("FK", "FLK", "Falkland Islands"),
        ("FM", "FSM", "Micronesia"),
        ("FO", "FRO", "Faroe Islands"),
        ("FR", "FRA", "France"),
        ("GA", "GAB", "Gabon"),
        ("GB", "GBR", "United Kingdom"),
        ("GD", "GRD", "Grenada"),
        ("GE", "GEO", "Georgia"),
        ("GF", "GUF", "French Guiana"),
        ("GG", "GGY", "Guernsey"),
        ("GH", "GHA", "Ghana"),
        ("GI", "GIB", "Gibraltar"),
        ("GL", "GRL", "Greenland"),
        ("GM", "GMB", "Gambia"),
        ("GN", "GIN", "Guinea"),
        ("GP", "GLP", "Guadeloupe"),
        ("GQ", "GNQ", "Equatorial Guinea"),
        ("GR", "GRC", "Greece"),
        ("GS", "SGS", "South Georgia and the South Sandwich Islands"),
        ("GT", "GTM", "Guatemala"),
        ("GU", "GUM", "Guam"),
        ("GW", "GNB", "Guinea-Bissau"),
        ("GY", "GUY", "Guyana"),
        ("HK", "HKG", "Hong Kong"),
        ("HM", "HMD", "Heard Island and McDonald Islands"),
        ("HN", "HND", "Honduras"),
        ("HR", "HRV", "Croatia"),
        ("HT", "HTI", "Haiti"),
        ("HU", "HUN", "Hungary"),
        ("ID", "IDN", "Indonesia"),
        ("IE", "IRL", "Ireland"),
        ("IL", "ISR", "Israel"),
        ("IM", "IMN", "Isle of Man"),
        ("IN", "IND", "India"),
        ("IO", "IOT", "British Indian Ocean Territory"),
        ("IQ", "IRQ", "Iraq"),
        ("IR", "IRN", "Iran"),
        ("IS", "ISL", "Iceland"),
        ("IT", "ITA", "Italy"),
        ("JE", "JEY", "Jersey"),
        ("JM", "JAM", "Jamaica"),
        ("JO", "JOR", "Jordan"),
        ("JP", "JPN", "Japan"),
        ("KE", "KEN", "Kenya"),
        ("KG", "KGZ", "Kyrgyzstan"),
        ("KH", "KHM", "Cambodia"),
        ("KI", "KIR", "Kiribati"),
        ("KM", "COM", "Comoros"),
        ("KN", "KNA", "Saint Kitts and Nevis"),
        ("KP", "PRK", "North Korea"),
        ("KR", "KOR", "South Korea"),
        ("KW", "KWT", "Kuwait"),
        ("KY", "CYM", "Cayman Islands"),
        ("KZ", "KAZ", "Kazakhstan"),
        ("LA", "LAO", "Laos"),
        ("LB", "LBN", "Lebanon"),
        ("LC", "LCA", "Saint Lucia"),
        ("LI", "LIE", "Liechtenstein"),
        ("LK", "LKA", "Sri Lanka"),
        ("LR", "LBR", "Liberia"),
        ("LS", "LSO", "Lesotho"),
        ("LT", "LTU", "Lithuania"),
        ("LU", "LUX", "Luxembourg"),
        ("LV", "LVA", "Latvia"),
        ("LY", "LBY", "Libya"),
        ("MA", "MAR", "Morocco"),
        ("MC", "MCO", "Monaco"),
        ("MD", "MDA", "Moldova"),
        ("ME", "MNE", "Montenegro"),
        ("MF", "MAF", "Saint Martin"),
        ("MG", "MDG", "Madagascar"),
        ("MH", "MHL", "Marshall Islands"),
        ("MK", "MKD", "North Macedonia"),
        ("ML", "MLI", "Mali"),
        ("MM", "MMR", "Myanmar"),
        ("MN", "MNG", "Mongolia"),
        ("MO", "MAC", "Macao"),
        ("MP", "MNP", "Northern Mariana Islands"),
        ("MQ", "MTQ", "Martinique"),
        ("MR", "MRT", "Mauritania"),
        ("MS", "MSR", "Montserrat"),
        ("MT", "MLT", "Malta"),
        ("MU", "MUS", "Mauritius"),
        ("MV", "MDV", "Maldives"),
        ("MW", "MWI", "Malawi"),
        ("MX", "MEX", "Mexico"),
        ("MY", "MYS", "Malaysia"),
        ("MZ", "MOZ", "Mozambique"),
        ("NA", "NAM", "Namibia"),
        ("NC", "NCL", "New Caledonia"),
        ("NE", "NER", "Niger"),
        ("NF", "NFK", "Norfolk Island"),
        ("NG", "NGA", "Nigeria"),
        ("NI", "NIC", "Nicaragua"),
        ("NL", "NLD", "Netherlands"),
        ("NO", "NOR", "Norway"),
        ("NP", "NPL", "Nepal"),
        ("NR", "NRU", "Nauru"),
        ("NU", "NIU", "Niue"),
        ("NZ", "NZL", "New Zealand"),
        ("OM", "OMN", "Oman"),
        ("PA", "PAN", "Panama"),
        ("PE", "PER", "Peru"),
        ("PF", "PYF", "French Polynesia"),
        ("PG", "PNG", "Papua New Guinea"),
        ("PH", "PHL", "Philippines"),
        ("PK", "PAK", "Pakistan"),
        ("PL", "POL", "Poland"),
        ("PM", "SPM", "Saint Pierre and Miquelon"),
        ("PN", "PCN", "Pitcairn"),
        ("PR", "PRI", "Puerto Rico"),
        ("PS", "PSE", "Palestine"),
        ("PT", "PRT", "Portugal"),
        ("PW", "PLW", "Palau"),
        ("PY", "PRY", "Paraguay"),
        ("QA", "QAT", "Qatar"),
        ("RE", "REU", "Réunion"),
        ("RO", "ROU", "Romania"),
        ("RS", "SRB", "Serbia"),
        ("RU", "RUS", "Russian Federation"),
        ("RW", "RWA", "Rwanda"),
        ("SA", "SAU", "Saudi Arabia"),
        ("SB", "SLB", "Solomon Islands"),
        ("SC", "SYC", "Seychelles"),
        ("SD", "SDN", "Sudan"),
        ("SE", "SWE", "Sweden"),
        ("SG", "SGP", "Singapore"),
        ("SH", "SHN", "Saint Helena"),
        ("SI", "SVN", "Slovenia"),
        ("SJ", "SJM", "Svalbard and Jan Mayen"),
        ("SK", "SVK", "Slovakia"),
        ("SL", "SLE", "Sierra Leone"),
        ("SM", "SMR", "San Marino"),
        ("SN", "SEN", "Senegal"),
        ("SO", "SOM", "Somalia"),
        ("SR", "SUR", "Suriname"),
        ("SS", "SSD", "South Sudan"),
        ("ST", "STP", "Sao Tome and Principe"),
        ("SV", "SLV", "El Salvador"),
        ("SX", "SXM", "Sint Maarten"),
        ("SY", "SYR", "Syria"),
        ("SZ", "SWZ", "Eswatini"),
        ("TC", "TCA", "Turks and Caicos Islands"),
        ("TD", "TCD", "Chad"),
        ("TF", "ATF", "French Southern Territories"),
        ("TG", "TGO", "Togo"),
        ("TH", "THA", "Thailand"),
        ("TJ", "TJK", "Tajikistan"),
        ("TK", "TKL", "Tokelau"),
        ("TL", "TLS", "Timor-Leste"),
        ("TM", "TKM", "Turkmenistan"),
        ("TN", "TUN", "Tunisia"),
        ("TO", "TON", "Tonga"),
        ("TR", "TUR", "Türkiye"),
        ("TT", "TTO", "Trinidad and Tobago"),
        ("TV", "TUV", "Tuvalu"),
        ("TW", "TWN", "Taiwan"),
        ("TZ", "TZA", "Tanzania"),
        ("UA", "UKR", "Ukraine"),
        ("UG", "UGA", "Uganda"),
        ("UM", "UMI", "United States Minor Outlying Islands"),
        ("US", "USA", "United States"),
        ("UY", "URY", "Uruguay"),
        ("UZ", "UZB", "Uzbekistan"),
        ("VA", "VAT", "Vatican City"),
        ("VC", "VCT", "Saint Vincent and the Grenadines"),
        ("VE", "VEN", "Venezuela"),
        ("VG", "VGB", "British Virgin Islands"),
        ("VI", "VIR", "U.S. Virgin Islands"),
        ("VN", "VNM", "Vietnam"),
        ("VU", "VUT", "Vanuatu"),
        ("WF", "WLF", "Wallis and Futuna"),
        ("WS", "WSM", "Samoa"),
        ("YE", "YEM", "Yemen"),
        ("YT", "MYT", "Mayotte"),
        ("ZA", "ZAF", "South Africa"),
        ("ZM", "ZMB", "Zambia"),
        ("ZW", "ZWE", "Zimbabwe"),
    ]
}

/// Why a text is not a country code, with the code it probably meant when that is clear.
public struct CountryCodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was given, without surrounding whitespace.
    public let input: String
    /// The code the input probably meant ("GB" for "UK"), or nil when nothing is clear.
    public let suggestion: String?

    init(input: String, suggestion: String?) {
        self.input = input
        self.suggestion = suggestion
    }

    /// The error for an input CountryCode refused.
    init(input: String) {
        self.init(input: input, suggestion: CountryCode.suggestion(for: input))
    }

    /// One sentence for an administrator: `"UK" is not an ISO 3166 country code; did you mean "GB" (United
    /// Kingdom)?`.
    public var description: String {
        let quoted = Self.quoted(input)
        let letters = CountryCode.asciiUppercased(input)
        let isTwoLetters = letters?.unicodeScalars.count == 2
        let refusal: String
        if isTwoLetters, let letters, let withdrawal = CountryCode.withdrawn[letters] {
            refusal = "\(quoted) was withdrawn from ISO 3166 in \(withdrawal.year)"
            if suggestion == nil { return refusal + " and has no single successor." }
        } else if isTwoLetters {
            refusal = "\(quoted) is not an ISO 3166 country code"
        } else {
            refusal = "\(quoted) is not a two-letter ISO 3166 country code"
        }
        guard let suggestion else { return refusal + "." }
        let named = CountryCode.englishName(of: suggestion).map { " (\($0))" } ?? ""
        return refusal + "; did you mean \"\(suggestion)\"\(named)?"
    }

    /// The input in double quotes, with quotes, backslashes and invisible characters (controls, format characters
    /// such as a zero-width space, line separators) escaped, so a message shows what was really typed.
    static func quoted(_ text: String) -> String {
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            default:
                switch scalar.properties.generalCategory {
                case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned:
                    quoted += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                default:
                    quoted.unicodeScalars.append(scalar)
                }
            }
        }
        return quoted + "\""
    }
}
