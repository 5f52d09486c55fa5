/** Every example expression of ref/pql.md with its expected result on the fixtures (`_{TENANT_ID}` read as `_tenant`). */
import { c, type EvalCase } from './case.js';
import { EVENTS, OFFERS, OFFER_MODEL, SESSION, events } from './fixtures.js';

const DL7 = 'xEvent[(timestamp occurs < 7 days before now) and eventType="download"]';
const SPORT7 = 'xEvent[(timestamp occurs < 7 days before now) and eventType="transaction" and category = "sporting goods"]';

export const EXAMPLE_CASES: readonly EvalCase[] = [
  // §1 three ways to refer to the inputs
  c('homeAddress.stateProvince = workAddress.stateProvince', true, { ref: '§1' }),
  c('homeAddress.stateProvince = workAddress.stateProvince', false, { profile: { homeAddress: { stateProvince: 'CA' }, workAddress: { stateProvince: 'NY' } } }),
  c('$1.homeAddress.stateProvince = $1.homeAddress.stateProvince', true, { ref: '§1' }),
  c('(Profile) => Profile.homeAddress.stateProvince = Profile.workAddress.stateProvince', true, { ref: '§1' }),
  c('(Profile) => Profile.homeAddress.stateProvince = Profile.workAddress.stateProvince', false, { profile: { homeAddress: { stateProvince: 'CA' }, workAddress: { stateProvince: 'NY' } } }),

  // §2.1 literals
  c('"pizza"', 'pizza', { ref: '§2.1' }),
  c('"jobs"', 'jobs'),
  c('true', true),
  c('false', false),
  c('-201', -201),
  c('0', 0),
  c('412', 412),
  c('-51.24', -51.24),
  c('3.14', 3.14),
  c('0.6942058', 0.6942058),
  c('0.0', 0),
  c('10.0', 10),
  c('date(2020, 3, 14)', '2020-03-14'),
  c('date(2015, 1, 8)', '2015-01-08'),
  c('[1, 4, 7]', [1, 4, 7]),
  c('["US", "CA"]', ['US', 'CA']),
  c('null', null),
  c(String.raw`"@(\\w+)"`, String.raw`@(\w+)`),
  c(String.raw`"a\"b\tc\u0041"`, 'a"b\tcA'),
  c('exists X from xEvent where X.timestamp occurs before today', true, { ref: '§2.1' }),
  c('exists X from xEvent where X.timestamp occurs last month', true),
  c('(select X from xEvent where X.timestamp occurs last month)._id', ['e6']),
  c('(select X from xEvent where X.timestamp occurs <= 3 days before now)._id', ['e1', 'e2', 'e3', 'e8']),
  c('{ "uniqueProductDownloadSum": xEvent.count(), "products": [] }', { uniqueProductDownloadSum: 8, products: [] }),

  // §3 navigation
  c('person.orders.storeId.distinct().count() > 1', true, { ref: '§3' }),
  c('xEvent.metrics.commerce.abandons.value > 0', true, { ref: '§3, §9 preview' }),
  c('xEvent[productListItems[SKU="PS"]]._id', ['e2', 'e3']),
  c('xEvent[(timestamp occurs < 7 days before now) and eventType="download"]._id', ['e4', 'e5']),
  c('xEvent[productListItems[SKU="PS" or ^^.person.gender="female"]]._id', ['e2', 'e3']),
  c('xEvent[productListItems[SKU="PS" or ^^.person.gender="female"]]._id', ['e2', 'e3', 'e8'], { profile: { person: { gender: 'female' } } }),
  c('xEvent[productListItems[SKU="PS" or ^^person.gender="female"]]._id', ['e2', 'e3', 'e8'], { profile: { person: { gender: 'female' } } }),
  c('xEvent[productListItems[SKU = "HAT" and ^.category = "sporting goods"]]._id', ['e3']),
  c('xEvent[productListItems[^category = "sporting goods"]]._id', ['e3', 'e8']),

  // §4 parsing hazards
  c('person.birthday occurs between date(1990, 1, 1) and date(1995, 12, 31) and person.gender = "male"', true, { ref: '§4' }),
  c('let S = 3 in S in [1, 3]', true),
  c('let S = [1, 3] in 3 in S', true),
  c('5 - -3', 8),
  c('2 - 3 - 4', -5),
  c('2 * 3 + 4', 10),
  c('2 + 3 * 4', 14),
  c('(2 + 3) * 4', 20),
  c('-2 * 3', -6),
  c('exists X from xEvent : X.eventType = "download"', true),
  c('true or false and false', true),
  c('not true and false', false),
  c('not (true and false)', true),
  c('!(1 = 2)', true),

  // §5.1 boolean
  c('homeAddress.countryISO = "CA" and person.birthYear = 1985', true, { ref: '§5.1' }),
  c('homeAddress.countryISO = "CA" or person.birthYear = 1985', true),
  c('homeAddress.countryISO = "US" or person.birthYear = 1984', false),
  c('not (homeAddress.countryISO = "CA")', false),
  c('if (homeAddress.countryISO = "CA", 1, 2)', 1),
  c('if(person.gender = "female", 60, 65)', 65, { ref: '§5.1, §8.1' }),
  c('if(homeAddress.countryCode in ["US","MX","CA"], "NA", "ROW")', 'NA', { ref: '§5.1, §8.1' }),
  c('if(homeAddress.countryCode in ["US","MX","CA"], "NA", "ROW")', 'ROW', { profile: { homeAddress: { countryCode: 'FR' } } }),

  // §5.2 comparison
  c('homeAddress.countryISO = "CA"', true, { ref: '§5.2' }),
  c('homeAddress.countryISO != "CA"', false),
  c('person.birthMonth > 2', true),
  c('person.birthMonth >= 3', true),
  c('person.birthMonth < 2', false),
  c('person.birthMonth <= 2', false),
  c('person.birthMonth < 2', true, { profile: { person: { birthMonth: 1 } } }),

  // §5.3 arithmetic
  c('product1.price + product2.price', 12.5, { ref: '§5.3' }),
  c('product.inventory * product.price', 10),
  c('product1.price - product2.price', 7.5),
  c('totalProduct.price / totalProduct.sold', 12.5),
  c('person.age % 5 = 0', false),
  c('person.age % 5 = 0', true, { profile: { person: { age: 40 } } }),
  c('_tenant.purchaseSummary.totalSpend/_tenant.purchaseSummary.countPurchases', 75, { ref: '§5.3, §8.1' }),

  // §5.4 strings
  c('city like "%es%"', true, { ref: '§5.4' }),
  c('person.name.startsWith("Joe")', true, { profile: { person: { name: 'Joe Smith' } } }),
  c('person.name.doesNotStartWith("Joe")', false, { profile: { person: { name: 'Joe Smith' } } }),
  c('person.emailAddress.endsWith(".com")', true, { profile: { person: { emailAddress: 'joe2010@gmail.com' } } }),
  c('personalEmail.address.endsWith("testxdmmail.com", false)', true, { ref: '§5.4, §9' }),
  c('personalEmail.address.endsWith("testxdmmail.com")', false),
  c('person.emailAddress.doesNotEndWith(".com")', false, { profile: { person: { emailAddress: 'joe2010@gmail.com' } } }),
  c('person.emailAddress.contains("2010@gm")', true, { profile: { person: { emailAddress: 'joe2010@gmail.com' } } }),
  c('person.emailAddress.doesNotContain("2010@gm")', false, { profile: { person: { emailAddress: 'joe2010@gmail.com' } } }),
  c('person.name.equals("John")', true, { profile: { person: { name: 'John' } } }),
  c('person.name.equals("John")', false, { profile: { person: { name: 'john' } } }),
  c('person.name.notEqualTo("John")', false, { profile: { person: { name: 'John' } } }),
  c('homeAddress.country.equals("Canada", false)', true, { ref: '§5.4, §10.1' }),
  c('State.equals("AL", "AK", "VT")', true),
  c('not(State.equals("VT", "VA", "WA", "WV", "WI", "WY" ))', false, { ref: '§9' }),
  c('person.name.matches("(?i)^John")', true, { profile: { person: { name: 'john doe' } } }),
  c('person.name.matches("(?i)^John")', false, { profile: { person: { name: 'Mr John' } } }),
  c(String.raw`emailAddress.regexGroup("@(\\w+)", 1)`, 'gmail', { ref: '§5.4' }),
  c('plan.equals("trial") AND region.equals("canada")', true, { ref: '§9' }),

  // §5.5 arrays
  c('person.birthMonth in [3, 6, 9]', true, { ref: '§5.5' }),
  c('person.birthday.getYear() in [1991, 1992, 1993, 1994, 1995]', true),
  c('person.birthMonth notIn [3, 6, 9]', false),
  c('person.birthMonth notIn [3, 6, 9]', true, { profile: { person: { birthMonth: 4 } } }),
  c('person.favoriteColors.intersects(["red", "blue", "green"])', true),
  c('person1.favoriteColors.intersection(person2.favoriteColors) = ["red", "blue", "green"]', true),
  c('person.favoriteCities.subsetOf(person.visitedCities)', true),
  c('person.eatenFoods.supersetOf(["sushi", "pizza"])', true),
  c('person.favoriteColors.includes("red")', true),
  c('orders.groupBy(storeId)', { s1: [{ storeId: 's1' }], s2: [{ storeId: 's2' }] }, { profile: { orders: [{ storeId: 's1' }, { storeId: 's2' }] } }),
  c('person.filter(age >= 21).count()', 1),
  c('numbers.map(this * this)', [1, 4, 9]),
  c('person.orders.topN(price, 5).price', [30, 20, 10]),
  c('person.orders.bottomN(price, 5).price', [10, 20, 30]),
  c('person.orders.topN(price, 5).head().storeId', 's2'),

  // §5.6 aggregation
  c('person.orders.count()', 3, { ref: '§5.6' }),
  c('orders.sum(order.price)', 60, { profile: { orders: [{ order: { price: 10 } }, { order: { price: 50 } }] } }),
  c('person.orders.sum(order.price)', 60),
  c('person.orders.average(order.price)', 20),
  c('person.orders.min(order.price)', 10),
  c('person.orders.max(order.price)', 30),
  c('xEvent[eventType = "download"].count()', 3),
  c('xEvent[eventType = "commerce.purchases"].sum(commerce.order.priceTotal)', 175.5),
  c('sum X.commerce.order.priceTotal over X from xEvent where X.commerce.order.currencyCode = "USD"', 85, { ref: '§5.6, §5.12' }),
  c('count X over X from xEvent where X.eventType = "download"', 3),
  c('average X.commerce.order.priceTotal over X from xEvent where X.commerce.order.currencyCode = "USD"', 42.5),
  c('min X.commerce.order.priceTotal over X from xEvent where X.commerce.order.currencyCode = "USD"', 30),
  c('max X.commerce.order.priceTotal over X from xEvent', 120.5),

  // §5.7 maps
  c('identityMap.get("example@example.com")', null, { ref: '§5.7 (keys are namespaces)' }),
  c('identityMap.get("Email")', [{ id: 'john@example.com', primary: true }]),
  c('identityMap.get("Email").id', ['john@example.com']),
  c('identityMap.keys()', ['ECID', 'Email']),
  c('identityMap.values()', [[{ id: '111', primary: false }], [{ id: 'john@example.com', primary: true }]]),
  c('identityMap.values().id', ['111', 'john@example.com']),
  c('xEvent[externalSegmentMapProperty.values().exists(stringProperty="active")]._id', ['e2']),

  // §5.8 objects
  c('person.homeAddress.isNull()', true, { ref: '§5.8' }),
  c('person.homeAddress.isNotNull()', false),
  c('homeAddress.isNotNull()', true),

  // §5.9 dates
  c('person.birthMonth = currentMonth()', false, { ref: '§5.9' }),
  c('person.birthMonth = currentMonth()', true, { profile: { person: { birthMonth: 5 } } }),
  c('person.birthDate.getMonth() = currentMonth()', false, { ref: '§5.9, §8.1' }),
  c('person.birthDate.getMonth() = currentMonth()', true, { profile: { person: { birthDate: '1990-05-02' } } }),
  c('person.birthdate.getMonth() = 6', true, { profile: { person: { birthdate: '1990-06-01' } } }),
  c('product.saleYear = currentYear()', true),
  c('person.birthDay = currentDayOfMonth()', true),
  c('product.sale.getDayOfMonth() <= 15', false),
  c('product.saleDate occurs = 3 hours before now', true),
  c('person.birthday occurs = 3 days before today', true, { profile: { person: { birthday: '2024-05-12' } } }),
  c('person.birthday occurs = 3 days before today', false, { profile: { person: { birthday: '2024-05-11' } } }),
  c('product.saleDate occurs last week', false),
  c('product.saleDate occurs last week', true, { profile: { product: { saleDate: '2024-05-08T10:00:00Z' } } }),
  c('d occurs on date(2019,12,31)', true, { profile: { d: '2019-12-31T23:59:59Z' } }),
  c('d occurs between date(2015, 1, 8) and date(2017, 7, 1)', true, { profile: { d: '2017-07-01T10:00:00Z' } }),
  c('xEvent[timestamp occurs < 7 days before now].count()', 6, { ref: '§5.9 [EP:ca/expressions]' }),
  c('xEvent[timestamp occurs <= 7 days before now].count()', 6),
  c('xEvent[timestamp occurs today].count()', 2),
  c('xEvent[timestamp occurs < 30 days before now].count()', 7),

  // §5.11 quantifiers
  c('exists E from xEvent where (E.commerce.item.price > 50), I from E.productListItems where I.SKU = "PS"', true, { ref: '§5.11' }),
  c('forall E from xEvent where (E.commerce.item.price > 50), I from E.productListItems where I.SKU = "PS"', false),
  c('forall E from xEvent where (E.commerce.item.price > 50), I from E.productListItems where I.SKU = "PS"', true, {
    events: [{ commerce: { item: { price: 60 } }, productListItems: [{ SKU: 'PS' }] }],
  }),
  c('exists E from xEvent where (E.commerce.item.price > 50), I from E.productListItems where I.SKU = "PS"', false, {
    ref: '§5.11: the clauses are a conjunction, not the "or" the doc prose says',
    events: [{ commerce: { item: { price: 60 } }, productListItems: [{ SKU: 'X' }] }, { commerce: { item: { price: 10 } }, productListItems: [{ SKU: 'PS' }] }],
  }),
  c('some x FROM xEvent WHERE commerce.order.priceTotal > 1000 AND x.commerce.order.currencyCode = "USD"', false, { ref: '§5.11 [XDM:eligibility-rule]' }),
  c('some x FROM xEvent WHERE commerce.order.priceTotal > 50 AND x.commerce.order.currencyCode = "USD"', true),
  c('homeAddress.stateOrProvince = "CA" AND (some x FROM xEvent WHERE commerce.order.priceTotal > 1000 AND x.commerce.order.currencyCode = "USD")', false),
  c('homeAddress.stateOrProvince = "CA" AND (some x FROM xEvent WHERE commerce.order.priceTotal > 1000 AND x.commerce.order.currencyCode = "USD")', true, {
    events: [{ commerce: { order: { priceTotal: 1500, currencyCode: 'USD' } } }],
  }),
  c('all t from ["a", "b"] where t in $1.tags', true, { ref: '§5.11 (Offer example 2.3)' }),
  c('all t from ["a", "c"] where t in $1.tags', false),
  c('all t from ["a", "b"] where t in tags', false, { ref: '§5.11 inside where, bare paths resolve against the bound element' }),
  c('some p from [1, 2, 3] where p > 2', true),
  c('select o from modelInstances("' + OFFER_MODEL + '") where some r from o.xdm:representations where r.xdm:placement = "uri:com:example:placement-1001"', [OFFERS[0]], {
    ref: '§5.11 (Offer example 1.1)', models: { [OFFER_MODEL]: OFFERS },
  }),
  c('select o from modelInstances("' + OFFER_MODEL + '") where all t from ["uri:com:example:tag-0001", "uri:com:example:tag-0002"] where t in o.xdm:tags', [OFFERS[0]], {
    models: { [OFFER_MODEL]: OFFERS },
  }),

  // §5.12 let
  c('let S = (sum X.commerce.order.priceTotal over X from xEvent where X.commerce.order.currencyCode = "USD") in (S > 100 and S < 1000)', false, { ref: '§5.12' }),
  c('let S = (sum X.commerce.order.priceTotal over X from xEvent where X.commerce.order.currencyCode = "USD") in (S > 100 and S < 1000)', true, {
    events: [{ commerce: { order: { priceTotal: 200, currencyCode: 'USD' } } }, { commerce: { order: { priceTotal: 2000, currencyCode: 'EUR' } } }],
  }),
  c(
    `let Y = xEvent[_coresvc.event.subType = "DOWNLOAD"].groupBy(_coresvc.attributes[name = "product"].value).map({
  "downloaded": this.head()._coresvc.attributes[name = "product"].head().value,
  "downloadsSum": this.count(),
  "downloadsToday": this[timestamp occurs today].count(),
  "downloadsPast30Days": this[timestamp occurs < 30 days before now].count(),
  "downloadsPast60Days": this[timestamp occurs < 60 days before now].count(),
  "downloadsPast90Days": this[timestamp occurs < 90 days before now].count() }) in { "uniqueProductDownloadSum": Y.count(), "products": Y }`,
    {
      uniqueProductDownloadSum: 2,
      products: [
        { downloaded: 'app', downloadsSum: 2, downloadsToday: 0, downloadsPast30Days: 1, downloadsPast60Days: 1, downloadsPast90Days: 2 },
        { downloaded: 'game', downloadsSum: 1, downloadsToday: 0, downloadsPast30Days: 1, downloadsPast60Days: 1, downloadsPast90Days: 1 },
      ],
    },
    { ref: '§5.12, §8.1 alpha example' },
  ),

  // §5.13 select
  c('select var1 from xEvent where var1._experience.analytics.endUser.firstWeb.webPageDetails.isHomePage = true', events('e1'), { ref: '§5.13, §9' }),
  c('select var1 from xEvent where var1._experience.analytics.endUser.firstWeb.webPageDetails.isHomePage = false', []),
  c('select _Any1 from xEvent where _Any1._experienceplatform.offerContextData.deviceType.equals("iphone", false)', events('e1'), { ref: '§5.13 [AJO]' }),
  c('if(select var1 from xEvent where var1.eventType = "download", "yes", "no")', 'yes'),

  // §5.14 chain
  c('chain(xEvent, timestamp, [A: WHAT(eventType = "addToCart")])', true, { ref: '§5.14' }),
  c('chain(xEvent, timestamp, [X: WHAT(eventType = "addToCart") WHEN(< 8 days before now)])', true),
  c('chain(xEvent, timestamp, [A: WHAT(eventType = "homePageView") WHEN(< 24 hours before now) COUNT(5) ] )', false),
  c('chain(xEvent, timestamp, [A: WHAT(eventType = "homePageView") WHEN(< 24 hours before now) COUNT(5) ] )', true, { events: SESSION }),
  c('chain(xEvent, timestamp, [A: WHAT(eventType = "addToCart") WHERE(externalSegmentMapProperty.values().exists(stringProperty="active"))])', true),
  c('CHAIN(xEvent, timestamp, [C0: WHAT(eventType.equals("commerce.checkouts", false)) WHEN(today)])', false),
  c('CHAIN(xEvent, timestamp, [C0: WHAT(eventType.equals("commerce.checkouts", false)) WHEN(today)])', true, { events: SESSION }),
  c('CHAIN(xEvent, timestamp, [C0: WHAT(eventType.equals("directMarketing.emailClicked", false)) WHEN(today), C1: WHAT(eventType.equals("commerce.checkouts", false)) WHEN(today)])', true, { events: SESSION }),
  c('CHAIN(xEvent, timestamp, [C0: WHAT(eventType.equals("commerce.checkouts", false)) WHEN(today), C1: WHAT(eventType.equals("directMarketing.emailClicked", false)) WHEN(today)])', false, { events: SESSION }),
  c('chain(xEvent, timestamp, [A: WHAT(eventType = "transaction") WHEN(< 7 days before now)])', true),
  c('chain(xEvent, timestamp, [ A: WHAT(eventType = "productView"), B: WHAT(eventType = "addToCart"), C: WHAT(eventType = "purchase") ])', true, { events: SESSION }),
  c('chain(xEvent, timestamp, [ A: WHAT(eventType = "purchase"), B: WHAT(eventType = "addToCart"), C: WHAT(eventType = "productView") ])', false, { events: SESSION }),
  c('not(chain(xEvent, timestamp, [A: WHAT(eventType = "homePageView")]))', false),
  c('not(chain(xEvent, timestamp, [A: WHAT(eventType = "homePageView")]))', true, { events: events('e2', 'e3') }),
  c('chain(xEvent, timestamp, [X: WHAT(var1._experience.analytics.endUser.firstWeb.webPageDetails.isHomePage = "true")])', false, { ref: '§9 (sic: var1 unbound)' }),

  // §5.15 inSegment
  c('inSegment("seg-a")', true, { ref: '§5.15' }),
  c('inSegment("seg-b")', false),
  c('inSegment("seg-c")', true),
  c('inSegment("e3be6d7f-1727-401f-a41e-c296b45f607a") and CHAIN(xEvent, timestamp, [C0: WHAT(eventType.equals("commerce.checkouts", false)) WHEN(<= 24 hours before now)])', true, {
    events: SESSION, segments: ['e3be6d7f-1727-401f-a41e-c296b45f607a'],
  }),
  c('inSegment("e3be6d7f-1727-401f-a41e-c296b45f607a") and inSegment("9e1646bb-57ff-4309-ba59-17d6c5bab6a1")', true, {
    segments: ['e3be6d7f-1727-401f-a41e-c296b45f607a', '9e1646bb-57ff-4309-ba59-17d6c5bab6a1'],
  }),
  c('inSegment("e3be6d7f-1727-401f-a41e-c296b45f607a") and inSegment("9e1646bb-57ff-4309-ba59-17d6c5bab6a1")', false, { segments: ['e3be6d7f-1727-401f-a41e-c296b45f607a'] }),
  c('homeAddress.countryCode = "US" and inSegment("existing segment")', true, { segments: ['existing segment'] }),

  // §8.1 computed attributes
  c(`${DL7.slice(0, -1)} and contentType = "image"].count()`, 1, { ref: '§8.1 image downloads' }),
  c(`${SPORT7}.sum(commerce.order.priceTotal)`, 30, { ref: '§8.1 sporting goods spend' }),
  c(`${SPORT7}.count()`, 1),
  c(`${SPORT7}.sum(commerce.order.priceTotal) / ${SPORT7}.count()`, 30, { ref: '§8.1 ca1 / ca2' }),
  c(`${SPORT7}.sum(commerce.order.priceTotal) > 100`, false, { ref: '§8.1 ca1 > 100' }),
  c(`${SPORT7}.min(commerce.order.priceTotal)`, 30),
  c(`${SPORT7}.max(commerce.order.priceTotal)`, 30),
  c(`${DL7}.groupBy(product).map((K, G) => mapEntry(K, G.count()))`, { app: 1, game: 1 }, { ref: '§8.1 per product' }),
  c(`${DL7}.groupBy(product).map((K, G) => mapEntry(K, G.sum(commerce.order.priceTotal)))`, { app: 3, game: 5 }),
  c(`${DL7}.groupBy(product).map((K, G) => mapEntry(K, G.count())) / ${DL7}.groupBy(product).map((K, G) => mapEntry(K, G.sum(commerce.order.priceTotal)))`, { app: 1 / 3, game: 0.2 }, { ref: '§8.1 ca2 / ca1 (sic)' }),
  c(`${DL7}.groupBy(product).map((K, G) => mapEntry(K, G.min(commerce.order.priceTotal)))`, { app: 3, game: 5 }),
  c(`${DL7}.groupBy(product).map((K, G) => mapEntry(K, G.max(commerce.order.priceTotal)))`, { app: 3, game: 5 }),
  c('person.birthYear >= 2000', false),
  c(`${DL7}.groupBy(product).map((K, G) => mapEntry(K, G.sum(commerce.order.priceTotal) > 100))`, { app: false, game: false }, { ref: '§8.1 batch only' }),
  c(`${DL7}.groupBy(product).map((K, G) => mapEntry(K, G.average(commerce.order.priceTotal) > 100))`, { app: false, game: false }),
  c(`${DL7}.groupBy(product).map((K, G) => mapEntry(K, {"count": G.count(), "sum": G.sum(commerce.order.priceTotal)}))`, { app: { count: 1, sum: 3 }, game: { count: 1, sum: 5 } }),
  c('_tenant.downloadsLast7Days > 0', true, { ref: '§8.1, §9' }),

  // §8.2
  c('xEvent[(commerce.checkouts.value > 0.0 or commerce.purchases.value > 1.0 or commerce.order.priceTotal >= 10.0) and (timestamp occurs <= 7 days before now)].sum(commerce.order.priceTotal)', 85, { ref: '§8.2' }),

  // §9 segment definitions
  c('workAddress.country = "US"', true, { ref: '§9' }),
  c('workAddress.country = "CA"', false),
  c('workAddress.stateProvince = homeAddress.stateProvince', true),
  c('homeAddress.country = "US"', false),
  c('homeAddress.countryCode = "US"', true),

  // §10 streaming and edge tables
  c('workAddress.country.equals("Canada", false) and CHAIN(xEvent, timestamp, [C0: WHAT(eventType.equals("commerce.checkouts", false)) WHEN(today)])', false, { events: SESSION, ref: '§10.1' }),
  c('workAddress.country.equals("US", false) and CHAIN(xEvent, timestamp, [C0: WHAT(eventType.equals("directMarketing.emailClicked", false)) WHEN(today), C1: WHAT(eventType.equals("commerce.checkouts", false)) WHEN(today)])', true, { events: SESSION }),
  c('homeAddress.countryCode = "US" and chain(xEvent, timestamp, [A: WHAT(eventType = "addToCart")])', true, { ref: '§10.3' }),
  c('homeAddress.countryCode = "US" and chain(xEvent, timestamp, [X: WHAT(eventType = "addToCart") WHEN(< 8 days before now)])', true),
  c('homeAddress.countryCode = "US" and not(chain(xEvent, timestamp, [X: WHAT(eventType = "addToCart") WHEN(< 8 days before now)]))', false),
  c('not(chain(xEvent, timestamp, [A: WHAT(eventType = "homePageView") WHEN(< 24 hours before now) COUNT(5) ] ))', true),
  c('homeAddress.countryCode = "US" and chain(xEvent, timestamp, [A: WHAT(eventType = "homePageView") WHEN(< 24 hours before now) COUNT(5) ] )', true, { events: SESSION }),
  c('chain(xEvent, timestamp, [X: WHAT(eventType = "homePageView") WHEN(< 24 hours before now)]) and chain(xEvent, timestamp, [X: WHAT(eventType = "checkoutPageView") WHEN(< 24 hours before now)])', false),
  c('chain(xEvent, timestamp, [X: WHAT(eventType = "homePageView") WHEN(< 24 hours before now)]) and chain(xEvent, timestamp, [X: WHAT(eventType = "addToCart") WHEN(< 24 hours before now)])', true),
  c('xEvent.count()', EVENTS.length),
];
