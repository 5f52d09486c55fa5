/** Data types behind the Commerce and Web Details field groups: measure, order, payment, commerce, product line, web info. */
import type { XdmResource } from '../types.js';
import { EXTENSIBLE_CONTEXT, array, dateTime, int, labels, num, obj, props, ref, resource, str } from './builders.js';

export const MEASURE_ID = 'https://ns.adobe.com/xdm/data/measure';
export const PAYMENT_ITEM_ID = 'https://ns.adobe.com/xdm/data/paymentitem';
export const ORDER_ID = 'https://ns.adobe.com/xdm/data/order';
export const COMMERCE_ID = 'https://ns.adobe.com/xdm/context/commerce';
export const PRODUCT_LIST_ITEM_ID = 'https://ns.adobe.com/xdm/content/productlistitem';
export const WEB_INFO_ID = 'https://ns.adobe.com/xdm/context/webinfo';

const currencyCode = (description: string, title = 'Currency Code') =>
  str(title, description, { examples: ['USD', 'EUR'], pattern: '^[A-Z]{3}$' });

export const measure: XdmResource = resource({
  $id: MEASURE_ID,
  resourceType: 'datatypes',
  title: 'Measure',
  description: 'A serialized event: something tracked with an ID and a value.',
  definitions: {
    measure: props({
      id: str('Unique Identifier', 'Client-generated unique ID of the measure, for de-duplication over lossy channels.'),
      value: { type: 'number', description: 'The quantifiable value of this measure.' },
    }),
  },
  allOf: ['#/definitions/measure'],
  meta: { 'meta:extensible': false, required: ['value'] },
});

export const paymentItem: XdmResource = resource({
  $id: PAYMENT_ITEM_ID,
  resourceType: 'datatypes',
  title: 'Payment Item',
  description: 'A payment of an order: type of payment, amount and currency.',
  definitions: {
    paymentitem: props({
      transactionID: str('Transaction ID', 'The unique transaction identifier for this payment item.'),
      paymentAmount: num('Payment Amount', 'The value of the payment.'),
      paymentType: str('Payment Type', 'The method of payment for this order; custom values are allowed.', {
        default: 'other',
        'meta:enum': labels([
          ['cash', 'Cash'],
          ['credit_card', 'Credit Card'],
          ['debit_card', 'Debit Card'],
          ['gift_card', 'Gift Card'],
          ['check', 'Check'],
          ['paypal', 'PayPal'],
          ['wire_transfer', 'Wire Transfer'],
          ['credit_card_reference', 'Credit Card Reference Transaction'],
          ['other', 'Other'],
        ]),
      }),
      currencyCode: currencyCode('The ISO 4217 currency code used for this payment item.'),
    }),
  },
  allOf: ['#/definitions/paymentitem'],
});

export const order: XdmResource = resource({
  $id: ORDER_ID,
  resourceType: 'datatypes',
  title: 'Order',
  description: 'The order placed for a product list.',
  definitions: {
    order: props({
      purchaseID: str('Purchase ID', 'Identifier the seller assigned to this purchase or contract.'),
      purchaseOrderNumber: str('Purchase Order Number', 'Identifier the purchaser assigned to this purchase or contract.'),
      payments: array(ref(PAYMENT_ITEM_ID, undefined, 'A payment.'), 'Payment List', 'The list of payments for this order.'),
      currencyCode: currencyCode('The ISO 4217 currency code used for the order totals.', 'Currency'),
      taxAmount: num('Tax Amount', 'The tax amount paid by the buyer as part of the final payment.'),
      discountAmount: num('Discount Amount', 'The discount applied to the entire order.'),
      priceTotal: num('Price Total', 'The total price of this order after all discounts and taxes.'),
      orderType: str('Order Type', 'The type of order placed.', { enum: ['checkout', 'instant_purchase'] }),
      lastUpdatedDate: dateTime('Last Updated Date', 'When the order record was last updated in the commerce system.'),
      createdDate: dateTime('Created Date', 'When the order was created in the commerce system.'),
      cancelDate: dateTime('Cancel Date', 'When the shopper started cancelling the order.'),
      refundTotal: num('Total Amount Refunded', 'The total amount refunded on the order.'),
    }),
  },
  allOf: ['#/definitions/order'],
});

const measureField = (title: string, description: string) => ref(MEASURE_ID, title, description);

export const commerce: XdmResource = resource({
  $id: COMMERCE_ID,
  resourceType: 'datatypes',
  title: 'Commerce',
  description: 'The records related to buying and selling activity.',
  definitions: {
    commerce: props({
      order: ref(ORDER_ID, 'Order', 'The placed order for one or more products.'),
      promotionID: str('Promotion ID', 'Promotion identifier, if any, for the order placed.'),
      cartAbandons: measureField('Cart Abandons', 'A product list is no longer accessible or purchasable by the user.'),
      checkouts: measureField('Checkouts', 'An action during the checkout process of a product list.'),
      productListAdds: measureField('Product List (Cart) Adds', 'A product was added to the product list.'),
      productListOpens: measureField('Product List (Cart) Opens', 'A new product list was initialized.'),
      productListRemovals: measureField('Product List (Cart) Removals', 'A product was removed from the product list.'),
      productListReopens: measureField('Product List (Cart) Reopens', 'An abandoned product list was re-activated.'),
      productListViews: measureField('Product List (Cart) Views', 'A product list was viewed.'),
      productViews: measureField('Product Views', 'A product was viewed.'),
      purchases: measureField('Purchases', 'An order has been accepted.'),
      saveForLaters: measureField('Save For Laters', 'A product list was saved for future use.'),
      inStorePurchase: measureField('In Store Purchase', 'An in-store purchase.'),
      instantPurchase: ref(MEASURE_ID, undefined, 'A product was purchased instantly, skipping the cart or checkout.'),
    }),
  },
  allOf: [EXTENSIBLE_CONTEXT, '#/definitions/commerce'],
  meta: { 'meta:extensible': true },
});

export const productListItem: XdmResource = resource({
  $id: PRODUCT_LIST_ITEM_ID,
  resourceType: 'datatypes',
  title: 'Product list item',
  description: 'A product as selected by a customer, with the options and price offered at that time.',
  definitions: {
    productlistitem: props(
      {
        SKU: str('SKU', 'Stock keeping unit, the unique identifier for a product defined by the vendor.'),
        _id: str('Line item ID.', 'The line item identifier for this product entry.', { format: 'uri-reference' }),
        product: str('Product', 'The XDM identifier of the product itself.', { format: 'uri' }),
        name: str('Name', 'The display name of the product as presented to the user.'),
        productImageUrl: str('Product Image URL', 'Product main image URL.'),
        productAddMethod: str('Product add method', 'How the visitor added the product item to the list.'),
        currencyCode: currencyCode('The ISO 4217 alphabetic currency code used for pricing the product.', 'Currency code'),
        quantity: int('Quantity', 'The number of units the customer requires.'),
        priceTotal: num('Price total', 'The total price for the product line item.'),
        selectedOptions: array(
          { $ref: '#/definitions/selectedOption' },
          'Selected Options',
          'Options chosen for a configurable product.',
        ),
        discountAmount: num('Discount Amount', 'The difference between the regular and the special price.'),
        refundAmount: num('Refund Amount', 'Amount refunded for the item, if any.'),
      },
      ['SKU'],
    ),
    selectedOption: {
      ...obj(
        {
          attribute: str('Configurable attribute name', 'The name of the configurable attribute.'),
          value: str('Selected option value', 'The value chosen for the configurable attribute.'),
        },
        'Selected option',
        'Selected option for one attribute of a configurable product.',
      ),
      required: ['attribute', 'value'],
    },
  },
  allOf: ['#/definitions/productlistitem'],
});

const webType = (description: string, values: Array<[string, string]>) =>
  str('Type', description, { enum: values.map(([v]) => v), 'meta:enum': labels(values) });

export const webInfo: XdmResource = resource({
  $id: WEB_INFO_ID,
  resourceType: 'datatypes',
  title: 'Web information',
  description: 'Web page details, link interaction and referrer of a web event.',
  definitions: {
    webinfo: props({
      webPageDetails: obj(
        {
          siteSection: str('Site section', 'The site section where this web page resides.'),
          name: str('Name', 'The normative name of the web page, used for classification.'),
          viewName: str('View Name', 'The name of the view within a page, as in single page applications.'),
          URL: str('URL', 'The normative or usual URL of the web page.'),
          server: str('Server', 'The normative server that hosts the web page.'),
          isErrorPage: { title: 'Is error page', type: 'boolean', description: 'Whether the page is an error page.' },
          isHomePage: { title: 'Is home page', type: 'boolean', description: 'Whether the page is the site home page.' },
          isPreRendered: { title: 'Is pre-rendered', type: 'boolean', description: 'Whether the page was pre-rendered.' },
          pageViews: ref(MEASURE_ID, 'Page Views', 'View(s) of a webpage has occurred.'),
        },
        'Web page details',
        'Details about the web page where the web interaction occurred.',
      ),
      webInteraction: obj(
        {
          type: webType('The link type.', [
            ['download', 'Download'],
            ['exit', 'Exit'],
            ['other', 'Other'],
          ]),
          URL: str('URL', 'The actual link or URL used for this web interaction.'),
          name: str('Name', 'The normative name of this web link, used for classification.'),
          region: str('Region', 'The region of the document the link belongs to, such as header or footer.'),
          linkClicks: ref(MEASURE_ID, 'Link Clicks', 'Click of a web link has occurred.'),
        },
        'Web interaction',
        'The web link or URL where the interaction occurred.',
      ),
      webReferrer: obj(
        {
          URL: str('URL', 'The referrer URL.'),
          type: webType('The referrer type.', [
            ['internal', 'Internal'],
            ['external', 'External'],
            ['search_engine', 'Search engine'],
            ['typed_bookmarked', 'Typed or bookmarked'],
            ['email', 'Email'],
            ['social', 'Social network'],
            ['usenet', 'Usenet newsgroup'],
            ['hard_drive', 'Hard Drive'],
            ['nojs', 'No JS'],
            ['conversational_ai', 'Conversational AI'],
            ['unknown', 'Unknown'],
          ]),
        },
        'Web referrer',
        'The URL the visitor came from immediately before the current web interaction.',
      ),
    }),
  },
  allOf: [EXTENSIBLE_CONTEXT, '#/definitions/webinfo'],
  meta: { 'meta:extensible': true },
});
