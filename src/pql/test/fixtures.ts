/** Small profiles and event lists the PQL case tables run against; NOW is a Wednesday, 2024-05-15 12:00 UTC. */

export const NOW = '2024-05-15T12:00:00.000Z';

export const PROFILE = {
  person: {
    name: { firstName: 'John', lastName: 'Smith' },
    gender: 'male',
    birthYear: 1985,
    birthMonth: 6,
    birthDay: 15,
    birthDate: '1985-06-15',
    birthday: '1993-02-10',
    age: 39,
    favoriteColors: ['red', 'blue'],
    favoriteCities: ['Paris'],
    visitedCities: ['Paris', 'Rome'],
    eatenFoods: ['sushi', 'pizza', 'taco'],
    orders: [
      { storeId: 's1', price: 10, order: { price: 10 } },
      { storeId: 's2', price: 30, order: { price: 30 } },
      { storeId: 's1', price: 20, order: { price: 20 } },
    ],
  },
  homeAddress: { countryISO: 'CA', countryCode: 'US', country: 'Canada', stateProvince: 'CA', stateOrProvince: 'CA' },
  workAddress: { country: 'US', stateProvince: 'CA' },
  personalEmail: { address: 'jsmith@TestXDMmail.com' },
  emailAddress: 'john2010@gmail.com',
  city: 'Los Angeles',
  plan: 'trial',
  region: 'canada',
  State: 'VT',
  identityMap: { ECID: [{ id: '111', primary: false }], Email: [{ id: 'john@example.com', primary: true }] },
  identities: ['111', 'john@example.com'],
  segmentMembership: { ups: { 'seg-a': { status: 'realized' }, 'seg-b': { status: 'exited' }, 'seg-c': { status: 'existing' } } },
  _tenant: { purchaseSummary: { totalSpend: 300, countPurchases: 4 }, downloadsLast7Days: 2 },
  product: { inventory: 4, price: 2.5, saleYear: 2024, saleDate: '2024-05-15T09:15:00Z', sale: '2024-05-20T10:00:00Z' },
  product1: { price: 10 },
  product2: { price: 2.5 },
  totalProduct: { price: 100, sold: 8 },
  person1: { favoriteColors: ['red', 'blue', 'green', 'pink'] },
  person2: { favoriteColors: ['green', 'red', 'blue'] },
  numbers: [1, 2, 3],
  tags: ['a', 'b'],
};

/** Eight events, listed out of time order on purpose (chain must sort them). */
export const EVENTS = [
  {
    _id: 'e1', eventType: 'homePageView', timestamp: '2024-05-15T11:00:00Z',
    _experience: { analytics: { endUser: { firstWeb: { webPageDetails: { isHomePage: true } } } } },
    _experienceplatform: { offerContextData: { deviceType: 'iPhone' } },
    metrics: { commerce: { abandons: { value: 0 } } },
    endUserIDs: ['111'],
  },
  {
    _id: 'e2', eventType: 'addToCart', timestamp: '2024-05-15T09:30:00Z',
    productListItems: [{ SKU: 'PS', name: 'Shoes', priceTotal: 40 }],
    metrics: { commerce: { abandons: { value: 1 } } },
    externalSegmentMapProperty: { s1: { stringProperty: 'active' }, s2: { stringProperty: 'inactive' } },
  },
  {
    _id: 'e3', eventType: 'commerce.purchases', timestamp: '2024-05-14T20:00:00Z',
    productListItems: [{ SKU: 'PS', priceTotal: 40 }, { SKU: 'HAT', priceTotal: 15 }],
    commerce: { order: { priceTotal: 55, currencyCode: 'USD' }, purchases: { value: 1 }, item: { price: 60 } },
    category: 'sporting goods',
  },
  {
    _id: 'e4', eventType: 'download', timestamp: '2024-05-12T08:00:00Z', contentType: 'image', product: 'app',
    commerce: { order: { priceTotal: 3 } },
    _coresvc: { event: { subType: 'DOWNLOAD' }, attributes: [{ name: 'product', value: 'app' }, { name: 'os', value: 'ios' }] },
  },
  {
    _id: 'e5', eventType: 'download', timestamp: '2024-05-10T08:00:00Z', contentType: 'video', product: 'game',
    commerce: { order: { priceTotal: 5 } },
    _coresvc: { event: { subType: 'DOWNLOAD' }, attributes: [{ name: 'product', value: 'game' }] },
  },
  {
    _id: 'e6', eventType: 'commerce.purchases', timestamp: '2024-04-20T10:00:00Z',
    commerce: { order: { priceTotal: 120.5, currencyCode: 'EUR' }, purchases: { value: 2 } },
    category: 'sporting goods',
  },
  {
    _id: 'e7', eventType: 'download', timestamp: '2024-03-01T00:00:00Z', contentType: 'image', product: 'app',
    _coresvc: { event: { subType: 'DOWNLOAD' }, attributes: [{ name: 'product', value: 'app' }] },
  },
  {
    _id: 'e8', eventType: 'transaction', timestamp: '2024-05-13T12:00:00Z',
    productListItems: [{ SKU: 'BAT', priceTotal: 30 }],
    commerce: { order: { priceTotal: 30, currencyCode: 'USD' } },
    category: 'sporting goods',
  },
];

/** Events for the chain examples, in one session today (ordering and frequency). */
export const SESSION = [
  { eventType: 'productView', timestamp: '2024-05-15T08:00:00Z' },
  { eventType: 'addToCart', timestamp: '2024-05-15T08:05:00Z' },
  { eventType: 'purchase', timestamp: '2024-05-15T08:10:00Z' },
  { eventType: 'directMarketing.emailClicked', timestamp: '2024-05-15T07:00:00Z' },
  { eventType: 'commerce.checkouts', timestamp: '2024-05-15T07:30:00Z' },
  ...[1, 2, 3, 4, 5].map((i) => ({ eventType: 'homePageView', timestamp: `2024-05-15T0${i}:00:00Z` })),
];

/** Offer Decisioning model instances for the pql/json fixtures (JSON-LD names as in adobe/xdm). */
export const OFFER_MODEL = 'https://ns.adobe.com/experience/offer-management/personalized-offer';
export const OFFERS = [
  { '@id': 'o1', 'xdm:representations': [{ 'xdm:placement': 'uri:com:example:placement-1001' }], 'xdm:tags': ['uri:com:example:tag-0001', 'uri:com:example:tag-0002'] },
  { '@id': 'o2', 'xdm:representations': [{ 'xdm:placement': 'uri:com:example:placement-2002' }], 'xdm:tags': ['uri:com:example:tag-0001'] },
];

/** Shorthand: the events with these ids, in fixture order. */
export function events(...ids: string[]): unknown[] {
  return EVENTS.filter((e) => ids.includes(e._id));
}
