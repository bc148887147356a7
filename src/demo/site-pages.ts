// The pages of the demo shop that `clickflow start --demo` serves: a home page, categories, product
// pages with an "Add to cart" button, a cart, a checkout and a journal, each with the real clickflow
// tag from the collector. Product views, cart additions and purchases are tracked as the custom
// events the generated traffic uses (view_product, add_to_cart, purchase), so a person clicking
// through the demo shows up in the same funnel as the simulated visitors.
import { CATEGORIES, POSTS, PRODUCTS } from '../generator/catalog.ts'

/** What every page needs to know. */
export interface PageContext {
  /** The tag's URL on the collector. */
  readonly tagUrl: string
  /** The site name events carry (the same as the generated traffic's). */
  readonly site: string
  /** The admin listener (dashboard), linked from the footer. */
  readonly adminUrl: string
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;padding:.8rem 1.2rem;display:flex;gap:1.2rem;flex-wrap:wrap}
header a{color:#fff;text-decoration:none}main{max-width:60rem;margin:0 auto;padding:1.2rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:1rem}
.card{background:#fff;border-radius:.5rem;padding:1rem;box-shadow:0 1px 3px #0002}
button{font:inherit;padding:.5rem 1rem;border:0;border-radius:.4rem;background:#2f6fed;color:#fff;cursor:pointer}
footer{max-width:60rem;margin:2rem auto;padding:0 1.2rem;color:#667;font-size:.9rem}`

/** A whole HTML page with the tag, the navigation and `body`. */
function layout(ctx: PageContext, title: string, body: string, script = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>
<style>${STYLE}</style>
<script>window.clickflow=window.clickflow||function(){(clickflow.q=clickflow.q||[]).push(arguments)}</script>
<script defer src="${esc(ctx.tagUrl)}" data-site="${esc(ctx.site)}"></script>
</head><body><header><a href="/"><b>Summit Outfitters</b></a><a href="/products">Shop</a>
${CATEGORIES.map((c) => `<a href="/category/${c}">${c}</a>`).join('')}<a href="/blog">Journal</a>
<a href="/cart" id="cart-link">Cart</a></header><main>${body}</main>
<footer>This is clickflow's demo shop. Every page view and click here is sent by the clickflow tag;
watch it arrive on the dashboard at <a href="${esc(ctx.adminUrl)}">${esc(ctx.adminUrl)}</a>.</footer>
<script>${CART_SCRIPT}${script}</script></body></html>`
}

// The cart lives in localStorage: the demo has no server state to reset.
const CART_SCRIPT = `var cart=JSON.parse(localStorage.getItem('demo-cart')||'[]');
function saveCart(){localStorage.setItem('demo-cart',JSON.stringify(cart))}
document.getElementById('cart-link').textContent='Cart ('+cart.length+')';`

const productCard = (p: (typeof PRODUCTS)[number]) =>
  `<div class="card"><a href="/products/${p.slug}">${esc(p.title)}</a><div>€${p.price}</div></div>`

/** The HTML of a path, or null for a page the shop does not have. */
export function renderPage(path: string, ctx: PageContext): string | null {
  if (path === '/')
    return layout(
      ctx,
      'Summit Outfitters',
      `<h1>Gear for every trail</h1><p>Winter sale: up to 30% off jackets.</p>
<div class="grid">${PRODUCTS.slice(0, 8).map(productCard).join('')}</div>`,
    )
  if (path === '/products')
    return layout(
      ctx,
      'Shop | Summit Outfitters',
      `<h1>All products</h1><div class="grid">${PRODUCTS.map(productCard).join('')}</div>`,
    )
  const category = /^\/category\/([a-z]+)$/.exec(path)?.[1]
  if (category && CATEGORIES.includes(category)) {
    const i = CATEGORIES.indexOf(category)
    const items = PRODUCTS.filter((_, k) => k % CATEGORIES.length === i)
    return layout(
      ctx,
      `${category} | Summit Outfitters`,
      `<h1>${esc(category)}</h1><div class="grid">${items.map(productCard).join('')}</div>`,
    )
  }
  const slug = /^\/products\/([a-z0-9-]+)$/.exec(path)?.[1]
  const product = PRODUCTS.find((p) => p.slug === slug)
  if (product) {
    const data = JSON.stringify({ product_id: product.slug, price: product.price })
    return layout(
      ctx,
      `${product.title} | Summit Outfitters`,
      `<h1>${esc(product.title)}</h1><p>€${product.price}</p><button id="add">Add to cart</button>`,
      `var item=${data};clickflow('track','view_product',item);
document.getElementById('add').onclick=function(){clickflow('track','add_to_cart',{product_id:item.product_id,price:item.price,quantity:1});
cart.push(item);saveCart();location.href='/cart'};`,
    )
  }
  if (path === '/cart')
    return layout(
      ctx,
      'Your cart | Summit Outfitters',
      `<h1>Your cart</h1><ul id="items"></ul><p><a href="/checkout" id="checkout">Checkout</a></p>`,
      `document.getElementById('items').innerHTML=cart.length?cart.map(function(i){return '<li>'+i.product_id+' €'+i.price+'</li>'}).join(''):'<li>Your cart is empty.</li>';`,
    )
  if (path === '/checkout')
    return layout(
      ctx,
      'Checkout | Summit Outfitters',
      `<h1>Checkout</h1><p>Demo shop: nothing is charged.</p><button id="pay">Place order</button>`,
      `document.getElementById('pay').onclick=function(){var revenue=cart.reduce(function(s,i){return s+i.price},0);
clickflow('track','purchase',{order_id:'demo-'+Date.now(),revenue:revenue,currency:'EUR',items:cart.length});
cart=[];saveCart();location.href='/checkout/complete'};`,
    )
  if (path === '/checkout/complete')
    return layout(
      ctx,
      'Thank you | Summit Outfitters',
      '<h1>Thank you!</h1><p>Your (pretend) order is on its way.</p>',
    )
  if (path === '/blog')
    return layout(
      ctx,
      'Summit Journal',
      `<h1>Journal</h1><ul>${POSTS.map((p) => `<li><a href="/blog/${p}">${esc(p.replaceAll('-', ' '))}</a></li>`).join('')}</ul>`,
    )
  const post = /^\/blog\/([a-z0-9-]+)$/.exec(path)?.[1]
  if (post && POSTS.includes(post))
    return layout(
      ctx,
      `${post.replaceAll('-', ' ')} | Summit Journal`,
      `<h1>${esc(post.replaceAll('-', ' '))}</h1><p>A story from the trail. ${'Lorem ipsum dolor sit amet. '.repeat(20)}</p>
<p><a href="/products">Shop the gear</a></p>`,
    )
  return null
}
